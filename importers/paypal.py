"""PayPal activity download (Activity → Statements → Activity download, "balance affecting").

PayPal translates the column names into the account's language and lets the merchant pick
columns, so columns are found by name through an alias table (English, French, Italian,
German, Spanish), never by position. What each file can vary, and what this importer does:

- **Encoding**: UTF-8 with a BOM (Excel-friendly); read through :mod:`._text`, which
  honours the BOM and refuses damaged bytes naming the line.
- **Decimal mark**: ``.`` (FR-CH) or ``,`` (IT), detected once per file from the money
  columns.
- **Dates**: ``dd.mm.yyyy``, ``dd/mm/yyyy``, ``mm/dd/yyyy`` (US) or ISO. Slashed dates are
  read day-first unless a value proves otherwise (a first part above 12 settles day-first,
  a second part above 12 month-first); a file that proves nothing is month-first only when
  its headers are English, as PayPal's US locale writes them.
- **Time zone**: the ``TimeZone`` column is the account's zone (``CET``/``CEST``, which
  follow daylight saving row by row). Known abbreviations, ``UTC+2`` offsets and IANA names
  are converted to the company's zone before the date is taken; an unknown one (the
  anonymised ``XXX``) leaves the time as the company's wall-clock time, with a finding.
- **Memo rows** (balance impact ``Memo``/``Mémo``: holds, authorisations) do not move the
  balance and are skipped, and so are ``Pending Balance Payment`` rows, a hold placed on
  and then removed from money already in the balance.
- **Top-ups** of the balance from the merchant's own bank account or card
  (``Funds Added From a Bank Account``, ``Débit sur carte bancaire``, ``Approvisionnement``)
  are transfers, never sales.
- **Currency conversions** come as row pairs (one debit, one credit, in two currencies)
  linked by the reference transaction id to the payment they fund. Each pair becomes one
  transaction with both legs (see :mod:`._processor`); a conversion row without its partner
  in the file is booked to suspense with a finding.
- **Rows whose figures disagree** (gross + fee != net, seen in the anonymised Italian sample):
  the net moves the clearing account, the rest is shown as a ``discrepancy`` (see
  :mod:`._processor`). The ``Balance`` column is not used: it is per currency, and the same
  sample shows it drifting.
- **Row types** are translated too; a row is classified by words its type contains in any
  of the languages (conversion, withdrawal or funding, refund, hold, dispute), and
  otherwise by its balance impact: money in is a customer payment, money out an expense
  paid from the balance, left in suspense for the user to categorise.

PayPal's fee column is negative on receipts (``20,00 / -0,97 / 19,03``); it is turned into
a cost (positive when charged, negative when a refund gives it back).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

from ecomledger.importers._processor import (
    Kind,
    Movement,
    ProcessorImporter,
    Row,
    Statement,
    header_columns,
    rows_of,
    zone_of,
)
from ecomledger.importers._text import detect_separator, first_line, iter_csv, read_text
from ecomledger.money import ZERO

ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("Date", "Data", "Datum", "Fecha"),
    "time": ("Time", "Heure", "Orario", "Uhrzeit", "Hora"),
    "timezone": (
        "TimeZone", "Time Zone", "Fuseau horaire", "Fuso orario", "Zeitzone", "Zona horaria",
    ),
    "name": ("Name", "Nom", "Nome", "Nombre"),
    "type": ("Type", "Tipo", "Typ"),
    "status": ("Status", "État", "Stato", "Estado"),
    "currency": ("Currency", "Devise", "Valuta", "Währung", "Divisa", "Moneda"),
    "gross": ("Gross", "Avant commission", "Brut", "Lordo", "Brutto", "Bruto"),
    "fee": ("Fee", "Commission", "Frais", "Tariffa", "Gebühr", "Entgelt", "Tarifa", "Comisión"),
    "net": ("Net", "Netto", "Neto"),
    "transaction_id": (
        "Transaction ID", "Numéro de transaction", "Codice transazione", "Transaktionscode",
        "Id. de transacción", "Código de transacción",
    ),
    "reference_id": (
        "Reference Txn ID", "Numéro de la transaction de référence",
        "Codice transazione di riferimento", "Zugehöriger Transaktionscode",
        "Id. de transacción de referencia",
    ),
    "invoice": (
        "Invoice Number", "Numéro de facture", "Numero fattura", "Rechnungsnummer",
        "Número de factura",
    ),
    "title": (
        "Item Title", "Titre de l'objet", "Titolo oggetto", "Artikelbezeichnung",
        "Título del objeto",
    ),
    "subject": ("Subject", "Objet", "Oggetto", "Betreff", "Asunto"),
    "impact": (
        "Balance Impact", "Impact sur le solde", "Impatto sul saldo",
        "Auswirkung auf Guthaben", "Impacto en el saldo",
    ),
}  # fmt: skip

REQUIRED = ("date", "time", "timezone", "currency", "gross", "net", "transaction_id")
MONEY = ("gross", "fee", "net")
MEMO = frozenset({"memo", "mémo", "promemoria", "memorándum", "memorandum", "notiz"})

#: Words of a row type, in any language, and the kind they mean; first match wins.
TYPE_WORDS: tuple[tuple[Kind, tuple[str, ...]], ...] = (
    (Kind.CONVERSION, ("conversion", "conversione", "umrechnung", "conversión")),
    (Kind.RESERVE, ("hold", "blocage", "réserve", "reserve", "trattenuta", "blocco",
                    "einbehalt", "retención")),
    (Kind.DISPUTE, ("chargeback", "litige", "rétrofacturation", "contestazione", "storno",
                    "rückbuchung", "dispute", "contracargo")),
    (Kind.REFUND, ("refund", "rembours", "rimborso", "rückzahlung", "erstattung",
                   "reembolso")),
    (Kind.TRANSFER, ("withdrawal", "retrait", "prelievo", "abbuchung", "auszahlung", "retiro",
                     "virement", "bonifico", "überweisung", "transferencia", "transfer",
                     "approvisionnement", "add funds", "deposit", "ricarica", "einzahlung",
                     # top-ups of the balance from the merchant's own bank account or card
                     "funds added", "added from", "ajout de fonds", "débit sur carte",
                     "fondos añadidos", "fondi aggiunti", "aufladung", "bankgutschrift")),
)  # fmt: skip

#: Row types that hold money inside the balance without moving it (placed, then removed):
#: like memo rows, they are not movements and are skipped.
NOT_MOVEMENTS = ("pending balance payment", "paiement du solde en attente")


def classify(type_text: str, net: Decimal) -> Kind:
    """Kind of a row from the words of its (translated) type, else from its sign."""
    folded = type_text.casefold()
    for kind, words in TYPE_WORDS:
        if any(word in folded for word in words):
            return kind
    return Kind.CHARGE if net > ZERO else Kind.OTHER


def _holds(type_text: str) -> bool:
    """A hold of a pending payment placed on (or removed from) the balance: no movement."""
    folded = type_text.casefold()
    return any(words in folded for words in NOT_MOVEMENTS)


_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def date_format(values: Sequence[str], english: bool) -> str:
    """The strptime format of a file's date column (see the module docstring)."""
    slashed = [m for m in (_SLASHED.match(v.strip()) for v in values) if m]
    if not slashed:
        sample = next((v.strip() for v in values if v.strip()), "")
        if "." in sample:
            return "%d.%m.%Y"
        return "%Y/%m/%d" if "/" in sample else "%Y-%m-%d"
    if any(int(m.group(1)) > 12 for m in slashed):
        return "%d/%m/%Y"
    if any(int(m.group(2)) > 12 for m in slashed):
        return "%m/%d/%Y"
    return "%m/%d/%Y" if english else "%d/%m/%Y"


class Importer(ProcessorImporter):
    """PayPal activity download CSV, in any of the languages of :data:`ALIASES`."""

    format: ClassVar[str] = "paypal"
    default_supplier_country: ClassVar[str] = ""

    @classmethod
    def sniff(cls, filepath: str) -> bool:
        """A CSV whose header names PayPal's date, time zone, money and id columns."""
        columns = header_columns(filepath, ALIASES)
        return all(name in columns for name in REQUIRED)

    def parse(self, filepath: str) -> Statement:
        """Read the file into movements (conversion pairs joined)."""
        text = read_text(filepath).text
        records = list(iter_csv(text, detect_separator(first_line(text))))
        if not records:
            return Statement()
        rows = rows_of(filepath, records, records[0], ALIASES, MONEY, required=REQUIRED)
        statement = Statement()
        english = rows[0].names.get("time", "") == "Time" if rows else False
        form = date_format([r.get("date") for r in rows], english)
        singles: list[Movement] = []
        conversions: dict[tuple[str, dt.date, str], list[Movement]] = {}
        for row in rows:
            if row.get("impact").casefold() in MEMO or _holds(row.get("type")):
                continue
            movement = self._movement(row, form, statement.findings)
            if movement.kind is Kind.CONVERSION:
                group = (row.get("reference_id"), movement.date, row.get("time"))
                conversions.setdefault(group, []).append(movement)
            else:
                singles.append(movement)
        pairs = [self._pair(filepath, legs, statement.findings) for legs in conversions.values()]
        merged = singles + [m for pair in pairs for m in pair]
        statement.movements = sorted(merged, key=lambda m: m.lineno)
        return statement

    def _movement(self, row: Row, form: str, findings: list[str]) -> Movement:
        gross, fee, net = row.amount("gross", True), row.amount("fee"), row.amount("net", True)
        currency, meta = self.currency_of(row.get("currency"), row.filepath, row.lineno, findings)
        kind = classify(row.get("type"), net)
        description = " - ".join(p for p in (row.get("type"), row.get("title")) if p)
        return Movement(
            kind=kind,
            date=self._date(row, form, findings),
            currency=currency,
            net=net,
            gross=gross,
            fee=-fee,
            lineno=row.lineno,
            key=f"tx:{row.get('transaction_id')}" if row.get("transaction_id") else "",
            payee=row.get("name"),
            narration=description or row.get("subject"),
            order_id=row.get("invoice"),
            payout_id=row.get("transaction_id") if kind is Kind.TRANSFER else "",
            meta=meta,
        )

    def _date(self, row: Row, form: str, findings: list[str]) -> dt.date:
        """The booking date of a row: its date, time and zone, in the company's zone."""
        value = f"{row.get('date')} {row.get('time') or '00:00:00'}"
        try:
            moment = dt.datetime.strptime(value, f"{form} %H:%M:%S")
        except ValueError:
            column = row.names.get("date", "date")
            raise row.fail(
                f"column {column!r}: {row.get('date')!r} {row.get('time')!r} is not a date "
                f"and time ({form} %H:%M:%S)"
            ) from None
        zone_name = row.get("timezone")
        zone = zone_of(zone_name)
        if zone is None:
            prefix = f"{os.path.basename(row.filepath)}: time zone {zone_name!r} is unknown"
            if zone_name and not any(f.startswith(prefix) for f in findings):
                findings.append(
                    f"{prefix} (first on line {row.lineno}); its times are read as "
                    f"{self.zone.key} wall-clock times"
                )
            return moment.date()
        return self.local_date(moment.replace(tzinfo=zone))

    def _pair(self, filepath: str, legs: list[Movement], findings: list[str]) -> list[Movement]:
        """Join the two rows of a conversion into one movement, or leave them to suspense."""
        if (
            len(legs) == 2
            and legs[0].currency != legs[1].currency
            and (legs[0].net > ZERO) != (legs[1].net > ZERO)
            and ZERO not in (legs[0].net, legs[1].net)
        ):
            first, second = sorted(legs, key=lambda leg: leg.net)  # given up, then received
            keys = "+".join(leg.key.removeprefix("tx:") for leg in legs)
            return [
                Movement(
                    kind=Kind.CONVERSION,
                    date=first.date,
                    currency=first.currency,
                    net=ZERO,
                    lineno=first.lineno,
                    key=f"conversion:{keys}" if all(leg.key for leg in legs) else "",
                    narration=f"Currency conversion {second.net} {second.currency} for "
                    f"{-first.net} {first.currency}",
                    meta={**first.meta, **second.meta},
                    legs=((first.net, first.currency), (second.net, second.currency)),
                    fingerprint_parts=(str(second.net), second.currency),
                )
            ]
        lines = ", ".join(str(leg.lineno) for leg in legs)
        findings.append(
            f"{os.path.basename(filepath)}: the currency conversion on line(s) {lines} has no "
            "matching other leg in the file; booked to suspense"
        )
        return [
            Movement(
                kind=Kind.OTHER,
                date=leg.date,
                currency=leg.currency,
                net=leg.net,
                gross=leg.gross,
                fee=leg.fee,
                lineno=leg.lineno,
                key=leg.key,
                narration=leg.narration,
                meta=leg.meta,
            )
            for leg in legs
        ]
