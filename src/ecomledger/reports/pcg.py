"""Where each PCG account goes in the compte de résultat and the bilan: data, not branches.

Every account reaches a statement line through its PCG number (``Books.pcg``), by the
longest prefix in the tables below, so the mapping reads like the PCG's own tables
(ANC 2014-03 as amended by ANC 2022-06, système de base) and a new account needs no code.
Third-party accounts (classes 4 and 5) go to the actif or the passif by the sign of their
balance, account by account, as the PCG requires (a supplier with a debit balance is a
receivable, an overdrawn bank a debt): a rule's ``side`` says which balance it takes.

Every number maps somewhere (the one-digit prefixes are catch-alls), so the bilan's actif
equals its passif whatever the chart holds: classes 1 to 5 go to the bilan, 6 and 7 to the
compte de résultat, whose result the bilan shows under capitaux propres.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Literal

Side = Literal["any", "debit", "credit"]


@dataclass(frozen=True)
class Line:
    """A statement line: its key, its PCG label, its section; ``always`` shows it at zero."""

    key: str
    label: str
    section: str
    always: bool = False


@dataclass(frozen=True)
class Section:
    """A group of lines with its total; ``sign`` +1 reads credits as positive (produits,
    passif), -1 reads debits as positive (charges, actif)."""

    key: str
    label: str
    sign: int


@dataclass(frozen=True)
class Rule:
    """PCG numbers starting with ``prefix`` (with a balance on ``side``) go to ``line``."""

    prefix: str
    line: str
    side: Side = "any"


@dataclass(frozen=True)
class Result:
    """A result line: the total of ``plus`` sections minus the total of ``minus`` ones."""

    key: str
    label: str
    plus: tuple[str, ...]
    minus: tuple[str, ...]
    after: str  # the section it follows


# --- Compte de résultat (PCG art. 821-2, presentation en liste) -----------------------------

PNL_SECTIONS: tuple[Section, ...] = (
    Section("produits_exploitation", "Produits d'exploitation", +1),
    Section("charges_exploitation", "Charges d'exploitation", -1),
    Section("produits_financiers", "Produits financiers", +1),
    Section("charges_financieres", "Charges financières", -1),
    Section("produits_exceptionnels", "Produits exceptionnels", +1),
    Section("charges_exceptionnelles", "Charges exceptionnelles", -1),
    Section("impots_resultat", "Participation et impôts sur les bénéfices", -1),
)

_PE, _CE = "produits_exploitation", "charges_exploitation"

PNL_LINES: tuple[Line, ...] = (
    Line("ventes_marchandises", "Ventes de marchandises", _PE, True),
    Line("production_vendue", "Production vendue (biens et services)", _PE, True),
    Line("production_stockee", "Production stockée", _PE),
    Line("production_immobilisee", "Production immobilisée", _PE),
    Line("subventions", "Subventions d'exploitation", _PE),
    Line("reprises_exploitation", "Reprises sur provisions et transferts de charges", _PE),
    Line("autres_produits", "Autres produits", _PE),
    Line("achats_marchandises", "Achats de marchandises", _CE, True),
    Line("variation_marchandises", "Variation de stock (marchandises)", _CE, True),
    Line("achats_matieres", "Achats de matières premières et autres approvisionnements", _CE),
    Line("variation_matieres", "Variation de stock (matières et approvisionnements)", _CE),
    Line("charges_externes", "Autres achats et charges externes", _CE, True),
    Line("impots_taxes", "Impôts, taxes et versements assimilés", _CE, True),
    Line("salaires", "Salaires et traitements", _CE, True),
    Line("charges_sociales", "Charges sociales", _CE, True),
    Line("dotations_exploitation", "Dotations aux amortissements et provisions", _CE, True),
    Line("autres_charges", "Autres charges", _CE),
    Line("produits_financiers", "Produits financiers", "produits_financiers", True),
    Line("charges_financieres", "Charges financières", "charges_financieres", True),
    Line("produits_exceptionnels", "Produits exceptionnels", "produits_exceptionnels", True),
    Line("charges_exceptionnelles", "Charges exceptionnelles", "charges_exceptionnelles", True),
    Line("participation", "Participation des salariés aux résultats", "impots_resultat"),
    Line("impots_benefices", "Impôts sur les bénéfices", "impots_resultat", True),
)  # fmt: skip

PNL_RULES: tuple[Rule, ...] = (
    Rule("707", "ventes_marchandises"),
    Rule("709", "ventes_marchandises"),
    *(Rule(f"709{digit}", "production_vendue") for digit in "123456"),
    Rule("70", "production_vendue"),
    Rule("71", "production_stockee"),
    Rule("72", "production_immobilisee"),
    Rule("74", "subventions"),
    Rule("781", "reprises_exploitation"),
    Rule("791", "reprises_exploitation"),
    Rule("7", "autres_produits"),
    Rule("76", "produits_financiers"),
    Rule("786", "produits_financiers"),
    Rule("796", "produits_financiers"),
    Rule("77", "produits_exceptionnels"),
    Rule("787", "produits_exceptionnels"),
    Rule("797", "produits_exceptionnels"),
    Rule("607", "achats_marchandises"),
    Rule("6087", "achats_marchandises"),
    Rule("6097", "achats_marchandises"),
    Rule("6037", "variation_marchandises"),
    Rule("601", "achats_matieres"),
    Rule("602", "achats_matieres"),
    Rule("6081", "achats_matieres"),
    Rule("6082", "achats_matieres"),
    Rule("6091", "achats_matieres"),
    Rule("6092", "achats_matieres"),
    Rule("603", "variation_matieres"),
    Rule("60", "charges_externes"),
    Rule("61", "charges_externes"),
    Rule("62", "charges_externes"),
    Rule("63", "impots_taxes"),
    Rule("641", "salaires"),
    Rule("644", "salaires"),
    Rule("64", "charges_sociales"),
    Rule("681", "dotations_exploitation"),
    Rule("65", "autres_charges"),
    Rule("6", "autres_charges"),
    Rule("66", "charges_financieres"),
    Rule("686", "charges_financieres"),
    Rule("67", "charges_exceptionnelles"),
    Rule("687", "charges_exceptionnelles"),
    Rule("691", "participation"),
    Rule("69", "impots_benefices"),
)

PNL_RESULTS: tuple[Result, ...] = (
    Result(
        "resultat_exploitation",
        "Résultat d'exploitation",
        ("produits_exploitation",),
        ("charges_exploitation",),
        after="charges_exploitation",
    ),
    Result(
        "resultat_financier",
        "Résultat financier",
        ("produits_financiers",),
        ("charges_financieres",),
        after="charges_financieres",
    ),
    Result(
        "resultat_exceptionnel",
        "Résultat exceptionnel",
        ("produits_exceptionnels",),
        ("charges_exceptionnelles",),
        after="charges_exceptionnelles",
    ),
    Result(
        "resultat",
        "Résultat de l'exercice (bénéfice ou perte)",
        ("produits_exploitation", "produits_financiers", "produits_exceptionnels"),
        (
            "charges_exploitation",
            "charges_financieres",
            "charges_exceptionnelles",
            "impots_resultat",
        ),
        after="impots_resultat",
    ),
)

# --- Bilan (PCG art. 821-1, système de base) -----------------------------------------------

BALANCE_SECTIONS: tuple[Section, ...] = (
    Section("actif_immobilise", "Actif immobilisé", -1),
    Section("actif_circulant", "Actif circulant", -1),
    Section("capitaux_propres", "Capitaux propres", +1),
    Section("provisions", "Provisions pour risques et charges", +1),
    Section("dettes", "Dettes", +1),
)

#: The section keys of each side of the bilan.
ACTIF = ("actif_immobilise", "actif_circulant")
PASSIF = ("capitaux_propres", "provisions", "dettes")

BALANCE_LINES: tuple[Line, ...] = (
    Line("immobilisations_incorporelles", "Immobilisations incorporelles", "actif_immobilise"),
    Line("immobilisations_corporelles", "Immobilisations corporelles", "actif_immobilise"),
    Line("immobilisations_financieres", "Immobilisations financières", "actif_immobilise"),
    Line("stocks_marchandises", "Stocks de marchandises", "actif_circulant", True),
    Line("autres_stocks", "Autres stocks et en-cours", "actif_circulant"),
    Line("avances_versees", "Avances et acomptes versés sur commandes", "actif_circulant"),
    Line("clients", "Clients et comptes rattachés", "actif_circulant", True),
    Line("autres_creances", "Autres créances", "actif_circulant", True),
    Line("vmp", "Valeurs mobilières de placement", "actif_circulant"),
    Line("disponibilites", "Disponibilités", "actif_circulant", True),
    Line("charges_constatees_avance", "Charges constatées d'avance", "actif_circulant"),
    Line("capital", "Capital et réserves", "capitaux_propres", True),
    Line("report_a_nouveau", "Report à nouveau", "capitaux_propres", True),
    Line("resultat", "Résultat de l'exercice", "capitaux_propres", True),
    Line("autres_capitaux", "Subventions et provisions réglementées", "capitaux_propres"),
    Line("provisions", "Provisions pour risques et charges", "provisions"),
    Line("emprunts", "Emprunts et dettes financières", "dettes"),
    Line("avances_recues", "Avances et acomptes reçus sur commandes", "dettes"),
    Line("fournisseurs", "Dettes fournisseurs et comptes rattachés", "dettes", True),
    Line("fiscales_sociales", "Dettes fiscales et sociales", "dettes", True),
    Line("autres_dettes", "Autres dettes", "dettes", True),
    Line("produits_constates_avance", "Produits constatés d'avance", "dettes"),
)

#: The line the period's result goes to (the compte de résultat's ``resultat``).
RESULT_LINE = "resultat"

#: The line the results of earlier, unclosed fiscal years go to.
EARLIER_RESULTS_LINE = "report_a_nouveau"

BALANCE_RULES: tuple[Rule, ...] = (
    # Class 1: capitaux propres, provisions, emprunts.
    Rule("1", "autres_capitaux"),
    Rule("10", "capital"),
    Rule("11", "report_a_nouveau"),
    Rule("12", "report_a_nouveau"),
    Rule("13", "autres_capitaux"),
    Rule("14", "autres_capitaux"),
    Rule("15", "provisions"),
    Rule("16", "emprunts"),
    Rule("17", "emprunts"),
    # Class 2: immobilisations, net of amortissements (28) and dépréciations (29).
    Rule("2", "immobilisations_corporelles"),
    Rule("20", "immobilisations_incorporelles"),
    Rule("280", "immobilisations_incorporelles"),
    Rule("290", "immobilisations_incorporelles"),
    Rule("26", "immobilisations_financieres"),
    Rule("27", "immobilisations_financieres"),
    Rule("296", "immobilisations_financieres"),
    Rule("297", "immobilisations_financieres"),
    # Class 3: stocks, net of dépréciations (39).
    Rule("3", "autres_stocks"),
    Rule("37", "stocks_marchandises"),
    Rule("397", "stocks_marchandises"),
    # Class 4: tiers, by the sign of each account's balance.
    Rule("4", "autres_creances", "debit"),
    Rule("4", "autres_dettes", "credit"),
    Rule("40", "autres_creances", "debit"),
    Rule("40", "fournisseurs", "credit"),
    Rule("409", "avances_versees", "debit"),
    Rule("41", "clients", "debit"),
    Rule("41", "autres_dettes", "credit"),
    Rule("419", "avances_recues", "credit"),
    Rule("491", "clients"),
    Rule("42", "fiscales_sociales", "credit"),
    Rule("43", "fiscales_sociales", "credit"),
    Rule("44", "fiscales_sociales", "credit"),
    Rule("486", "charges_constatees_avance", "debit"),
    Rule("487", "produits_constates_avance", "credit"),
    # Class 5: trésorerie; a bank in overdraft is a financial debt.
    Rule("5", "disponibilites", "debit"),
    Rule("5", "emprunts", "credit"),
    Rule("50", "vmp", "debit"),
    # Anything else (classes 0, 8, 9 have no place in the bilan; shown, not lost).
    Rule("", "autres_creances", "debit"),
    Rule("", "autres_dettes", "credit"),
)


def side_of(balance: Decimal) -> Side:
    """Return which side a balance (debit positive) is on; zero counts as debit."""
    return "credit" if balance < 0 else "debit"


def classify(number: str, balance: Decimal, rules: tuple[Rule, ...]) -> str:
    """Return the line of the PCG ``number`` whose balance is ``balance``.

    The longest prefix wins among the rules whose side takes this balance; the tables
    always end in catch-alls, so every number has a line.
    """
    return _classify(number, side_of(balance), rules)


@lru_cache(maxsize=4096)
def _classify(number: str, side: Side, rules: tuple[Rule, ...]) -> str:
    best: Rule | None = None
    for rule in rules:
        if not number.startswith(rule.prefix) or rule.side not in ("any", side):
            continue
        if best is None or len(rule.prefix) > len(best.prefix):
            best = rule
    if best is None:
        raise ValueError(f"no rule for PCG {number} ({side}): the tables lack a catch-all")
    return best.line


def is_result_account(number: str) -> bool:
    """True for charges and produits (classes 6 and 7), which close into the result."""
    return number[:1] in ("6", "7")
