"""The sandbox's deterministic order history, in a platform-neutral form.

One seeded ``random.Random`` draws a catalogue, customers and orders; every dialect
(Shopify, WooCommerce, Stripe...) renders the *same* orders, so a test can compare what two
clients fetched, and the importers get realistic traps to chew on: tax-inclusive EU prices
at each destination's VAT rate (OSS), zero-rated exports, intra-EU B2B reverse charge with
VAT numbers that pass python-stdnum, presentment currencies, code discounts penny-split
across lines, line discounts, shipping with VAT, gift cards sold and redeemed, partial
refunds with or without restock, cancelled orders (voided or fully refunded) and payouts
whose balance transactions add up exactly.

All money is ``Decimal`` in the shop currency (EUR) quantised to cents; times are UTC.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from stdnum import luhn
from stdnum.es import cif
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren
from stdnum.iso7064 import mod_11_10

from ecomledger.money import largest_remainders, round_money

__all__ = [
    "COUNTRIES",
    "FX_RATES",
    "HOME",
    "OSS_THRESHOLD",
    "BalanceTxn",
    "Country",
    "Customer",
    "Dataset",
    "DiscountApp",
    "Line",
    "Order",
    "Payment",
    "Payout",
    "Product",
    "Refund",
    "RefundLine",
    "generate",
    "split_vat",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
SHOP_CURRENCY = "EUR"
HOME = "FR"  # where the sandbox shop is established
#: EU-wide distance sales a year above which destination VAT applies (art. 259 D CGI).
OSS_THRESHOLD = Decimal("10000")
PARIS = ZoneInfo("Europe/Paris")
#: The sandbox's "today": orders run up to it, payouts after it are not yet paid.
EPOCH = datetime(2025, 1, 6, 7, 0, tzinfo=UTC)
DAYS = 84


def cents(value: Decimal) -> Decimal:
    """Round half up to the cent, the way shop platforms round displayed amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Country:
    """A destination: its currency, VAT rates (percent) and whether it is in the EU."""

    code: str
    name: str
    currency: str
    standard: Decimal
    reduced: Decimal
    eu: bool


COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        Country("FR", "France", "EUR", Decimal("20"), Decimal("5.5"), True),
        Country("DE", "Germany", "EUR", Decimal("19"), Decimal("7"), True),
        Country("IT", "Italy", "EUR", Decimal("22"), Decimal("10"), True),
        Country("ES", "Spain", "EUR", Decimal("21"), Decimal("10"), True),
        Country("BE", "Belgium", "EUR", Decimal("21"), Decimal("6"), True),
        Country("NL", "Netherlands", "EUR", Decimal("21"), Decimal("9"), True),
        Country("US", "United States", "USD", ZERO, ZERO, False),
        Country("CH", "Switzerland", "CHF", ZERO, ZERO, False),
        Country("GB", "United Kingdom", "GBP", ZERO, ZERO, False),
    )
}
_COUNTRY_WEIGHTS = {
    "FR": 40,
    "DE": 9,
    "IT": 8,
    "ES": 8,
    "BE": 7,
    "NL": 7,
    "US": 8,
    "CH": 6,
    "GB": 7,
}

#: Presentment currency units per 1 EUR (fixed, so renders are reproducible).
FX_RATES: dict[str, Decimal] = {
    "EUR": Decimal("1"),
    "USD": Decimal("1.0850"),
    "GBP": Decimal("0.8420"),
    "CHF": Decimal("0.9410"),
}


@dataclass(frozen=True)
class Product:
    """A catalogue variant; ``price`` is tax-inclusive (EU shop)."""

    id: int
    variant_id: int
    sku: str
    title: str
    price: Decimal
    vat_class: str  # "standard" | "reduced" | "none" (multi-purpose gift card)
    gift_card: bool = False


@dataclass(frozen=True)
class Customer:
    """A buyer; ``vat_number`` (with country prefix) marks a business customer."""

    id: int
    email: str
    first_name: str
    last_name: str
    country: str
    city: str
    zip: str
    company: str | None = None
    vat_number: str | None = None


@dataclass(frozen=True)
class DiscountApp:
    """A discount application, referenced by index from each line's allocations."""

    index: int
    kind: str  # "discount_code" | "automatic"
    code: str | None
    title: str
    value: Decimal
    value_type: str  # "fixed_amount" | "percentage"
    allocation_method: str  # "across" | "each"


@dataclass
class Line:
    """An order line: tax-inclusive unit price, discount allocations and the VAT in it."""

    id: int
    product: Product
    quantity: int
    rate: Decimal  # VAT percent applied (0 for exports, reverse charge, gift cards)
    allocations: list[tuple[int, Decimal]] = field(default_factory=list)
    vat: Decimal | None = None  # its share of the order's VAT at its rate (see split_vat)

    @property
    def gross(self) -> Decimal:
        """Price x quantity, before discounts."""
        return self.product.price * self.quantity

    @property
    def discount(self) -> Decimal:
        """Sum of the discount allocations on this line."""
        return sum((a for _, a in self.allocations), ZERO)

    @property
    def total(self) -> Decimal:
        """What the buyer pays for the line, VAT included."""
        return self.gross - self.discount

    @property
    def tax(self) -> Decimal:
        """VAT contained in the tax-inclusive total: the line's share of its order's VAT
        at its rate once the order is complete, else computed on the line alone."""
        return self.vat if self.vat is not None else vat_in(self.total, self.rate)


def vat_in(amount: Decimal, rate: Decimal) -> Decimal:
    """The VAT contained in a tax-inclusive ``amount`` at ``rate`` percent."""
    if not rate:
        return ZERO
    return cents(amount * rate / (Decimal(100) + rate))


def split_vat(parts: list[tuple[Decimal, Decimal]]) -> list[Decimal]:
    """The VAT of each (tax-inclusive amount, rate) of one invoice or credit note.

    The VAT of a rate is computed once on the document's total at that rate, as a French
    invoice states it, then shared over the amounts at that rate to the cent (largest
    remainders): the VAT booked per rate is then base x rate to the cent, whatever the
    number of lines, where VAT rounded line by line drifts a cent for every few lines.
    """
    shares = [ZERO] * len(parts)
    by_rate: dict[Decimal, list[int]] = {}
    for i, (_amount, rate) in enumerate(parts):
        if rate:
            by_rate.setdefault(rate, []).append(i)
    for rate, members in by_rate.items():
        amounts = [parts[i][0] for i in members]
        total = vat_in(sum(amounts, ZERO), rate)
        for i, share in zip(members, largest_remainders(total, amounts), strict=True):
            shares[i] = share
    return shares


@dataclass(frozen=True)
class RefundLine:
    """Part of a line given back: quantity, VAT-inclusive subtotal and its VAT."""

    line: Line
    quantity: int
    restock: bool
    subtotal: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Refund:
    """A refund; ``amount`` (the money sent back) = line subtotals + shipping."""

    id: int
    transaction_id: int
    created_at: datetime
    lines: tuple[RefundLine, ...]
    shipping: Decimal
    shipping_tax: Decimal
    note: str

    @property
    def amount(self) -> Decimal:
        """Money returned to the card."""
        return sum((rl.subtotal for rl in self.lines), ZERO) + self.shipping


@dataclass(frozen=True)
class Payment:
    """Money taken for an order: by card (the payment processor) or by gift card."""

    id: int
    gateway: str  # "shopify_payments" | "gift_card"
    amount: Decimal
    created_at: datetime


@dataclass
class Order:
    """One order in shop money (EUR) with its presentment currency and rate."""

    id: int
    number: int
    created_at: datetime
    customer: Customer
    presentment_currency: str
    lines: list[Line]
    discounts: list[DiscountApp]
    shipping_title: str
    shipping_price: Decimal
    shipping_rate: Decimal
    payments: list[Payment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    shipping_vat: Decimal | None = None  # its share of the order's VAT (see split_vat)

    @property
    def country(self) -> Country:
        """The destination country."""
        return COUNTRIES[self.customer.country]

    @property
    def fx(self) -> Decimal:
        """Presentment units per shop unit."""
        return FX_RATES[self.presentment_currency]

    @property
    def reverse_charge(self) -> bool:
        """Intra-EU business sale: no French VAT, the buyer self-assesses."""
        return bool(self.customer.vat_number) and self.country.eu and self.country.code != "FR"

    @property
    def updated_at(self) -> datetime:
        """The latest change: creation, a refund or the cancellation."""
        moments = [self.created_at, *(r.created_at for r in self.refunds)]
        if self.cancelled_at:
            moments.append(self.cancelled_at)
        return max(moments)

    @property
    def total_line_items_price(self) -> Decimal:
        """Σ price x quantity, before discounts."""
        return sum((li.gross for li in self.lines), ZERO)

    @property
    def total_discounts(self) -> Decimal:
        """Σ discount allocations."""
        return sum((li.discount for li in self.lines), ZERO)

    @property
    def subtotal_price(self) -> Decimal:
        """Lines after discounts, VAT included, before shipping."""
        return self.total_line_items_price - self.total_discounts

    @property
    def shipping_tax(self) -> Decimal:
        """VAT in the shipping price."""
        if self.shipping_vat is not None:
            return self.shipping_vat
        return vat_in(self.shipping_price, self.shipping_rate)

    @property
    def distance_sale(self) -> bool:
        """A sale to a consumer in another EU country: counts towards the OSS threshold."""
        return self.country.eu and self.country.code != HOME and not self.reverse_charge

    @property
    def total_tax(self) -> Decimal:
        """VAT on lines and shipping."""
        return sum((li.tax for li in self.lines), ZERO) + self.shipping_tax

    @property
    def total_price(self) -> Decimal:
        """What the buyer pays (prices are tax-inclusive)."""
        return self.subtotal_price + self.shipping_price

    @property
    def total_refunded(self) -> Decimal:
        """Σ refund amounts."""
        return sum((r.amount for r in self.refunds), ZERO)

    @property
    def financial_status(self) -> str:
        """Shopify's payment state for the order."""
        if not self.payments:
            return "voided"
        if self.refunds and self.total_refunded >= self.total_price:
            return "refunded"
        if self.refunds:
            return "partially_refunded"
        return "paid"

    def presentment(self, amount: Decimal) -> Decimal:
        """``amount`` converted into the buyer's currency."""
        return cents(amount * self.fx)


@dataclass(frozen=True)
class BalanceTxn:
    """A processor balance movement, with its fee: a card charge (+), a refund (-), and
    with ``payout_events`` an adjustment (a fee given back on a cancelled order), a
    dispute (the chargeback, -, with its fee; its reversal, +, when won), reserved funds
    (held -, released +) or a failed payout's money retried (+)."""

    id: int
    type: str  # "charge" | "refund" | "adjustment" | "dispute" | "reserve" | "payout_failure"
    order: Order | None
    source_id: int
    amount: Decimal
    fee: Decimal
    processed_at: datetime

    @property
    def net(self) -> Decimal:
        """What reaches the balance."""
        return self.amount - self.fee


@dataclass
class Payout:
    """Money sent to the bank: Σ net of its balance transactions, to the cent."""

    id: int
    date: date
    status: str
    transactions: list[BalanceTxn]

    @property
    def amount(self) -> Decimal:
        """Σ net of the payout's balance transactions."""
        return sum((t.net for t in self.transactions), ZERO)

    def gross(self, kind: str) -> Decimal:
        """Σ amount of transactions of ``kind``."""
        return sum((t.amount for t in self.transactions if t.type == kind), ZERO)

    def fees(self, kind: str) -> Decimal:
        """Σ fee of transactions of ``kind``."""
        return sum((t.fee for t in self.transactions if t.type == kind), ZERO)


@dataclass
class Dataset:
    """Everything the sandbox serves, in every dialect."""

    seed: int
    products: list[Product]
    customers: list[Customer]
    orders: list[Order]
    payouts: list[Payout]

    @property
    def transactions(self) -> list[BalanceTxn]:
        """All balance transactions, in payout order."""
        return [t for p in self.payouts for t in p.transactions]


# -- generation ---------------------------------------------------------------------------

_FIRST = [
    "Camille",
    "Louis",
    "Emma",
    "Jonas",
    "Giulia",
    "Lucía",
    "Noah",
    "Sophie",
    "Lars",
    "Chloé",
    "Marco",
    "Anna",
    "Hugo",
    "Zoé",
    "Olivia",
    "Daan",
    "Léa",
    "Mia",
]
_LAST = [
    "Martin",
    "Bernard",
    "Müller",
    "Rossi",
    "García",
    "Peeters",
    "de Vries",
    "Smith",
    "Dubois",
    "Schneider",
    "Bianchi",
    "López",
    "Janssens",
    "Bakker",
    "Moreau",
    "Meier",
]
_CITIES = {
    "FR": ("Lyon", "69002"),
    "DE": ("Berlin", "10115"),
    "IT": ("Milano", "20121"),
    "ES": ("Madrid", "28001"),
    "BE": ("Bruxelles", "1000"),
    "NL": ("Utrecht", "3511"),
    "US": ("Portland", "97205"),
    "CH": ("Genève", "1201"),
    "GB": ("Leeds", "LS1 4AP"),
}
_CATALOGUE = [
    ("TEA-SEN-100", "Thé vert sencha 100 g", "12.90", "reduced"),
    ("TEA-EAR-250", "Earl Grey 250 g", "18.50", "reduced"),
    ("CHO-NOI-070", "Chocolat noir 70 %", "4.95", "reduced"),
    ("MUG-CER-BLU", "Mug en céramique bleu", "16.00", "standard"),
    ("TPT-FON-1L0", "Théière en fonte 1 L", "59.00", "standard"),
    ("FLT-INX-002", "Filtre inox (lot de 2)", "9.99", "standard"),
    ("BOX-DEC-012", "Coffret découverte 12 thés", "34.90", "reduced"),
    ("CUP-PORC-06", "Tasses en porcelaine x6", "42.00", "standard"),
    ("BKL-RCP-001", "Livre de recettes au thé", "24.00", "reduced"),
    ("KET-ELC-17", "Bouilloire électrique 1,7 L", "79.90", "standard"),
]


def _vat_number(rng: random.Random, country: str) -> str:
    """A VAT number that passes python-stdnum's checksum for ``country``."""
    while True:
        if country == "FR":
            base = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
            number = "FR" + siren.to_tva(base + luhn.calc_check_digit(base))
        elif country == "DE":
            base = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
            number = "DE" + base + mod_11_10.calc_check_digit(base)
        elif country == "IT":
            base = f"{rng.randint(1, 9_999_999):07d}{rng.randint(1, 100):03d}"
            number = "IT" + base + luhn.calc_check_digit(base)
        elif country == "ES":
            base = "B" + "".join(str(rng.randint(0, 9)) for _ in range(7))
            number = "ES" + base + cif.calc_check_digits(base)[0]
        elif country == "BE":
            body = f"0{rng.randint(20_000_000, 99_999_999)}"[:8]
            number = "BE" + body + f"{97 - int(body) % 97:02d}"
        elif country == "NL":
            digits = [rng.randint(0, 9) for _ in range(8)]
            total = sum((9 - i) * d for i, d in enumerate(digits))
            check = total % 11
            if check == 10:
                continue
            number = "NL" + "".join(map(str, digits)) + str(check) + "B01"
        else:
            raise ValueError(country)
        if eu_vat.is_valid(number):
            return number


def _customers(rng: random.Random, count: int) -> list[Customer]:
    codes = list(_COUNTRY_WEIGHTS)
    weights = list(_COUNTRY_WEIGHTS.values())
    customers = []
    for i in range(count):
        country = rng.choices(codes, weights)[0]
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        company = vat = None
        if COUNTRIES[country].eu and rng.random() < 0.3:
            company = f"{last} {rng.choice(['SARL', 'GmbH', 'Srl', 'SL', 'BV', 'SA'])}"
            vat = _vat_number(rng, country)
        city, zip_code = _CITIES[country]
        slug = f"{first}.{last}".lower().replace(" ", "").replace("é", "e").replace("ü", "u")
        customers.append(
            Customer(
                id=6_100_000_000 + i * 17 + 3,
                email=f"{slug}{i}@example.{country.lower()}",
                first_name=first,
                last_name=last,
                country=country,
                city=city,
                zip=zip_code,
                company=company,
                vat_number=vat,
            )
        )
    return customers


def _line_rate(product: Product, country: Country, reverse_charge: bool) -> Decimal:
    if product.gift_card or not country.eu or reverse_charge:
        return ZERO
    return country.reduced if product.vat_class == "reduced" else country.standard


def generate(
    seed: int = 1,
    orders: int = 120,
    *,
    settled: bool = False,
    oss_opt_in: bool = True,
    payout_events: bool = False,
) -> Dataset:
    """Draw the sandbox's shop history; the same ``seed`` always gives the same data.

    With ``settled``, the history is seen from far enough after its last sale that every
    payout has been paid (the demo uses it so that every clearing account ends at zero);
    otherwise the last weeks' payouts are still in transit or scheduled.

    ``oss_opt_in`` is the shop's VAT regime for consumers in other EU countries: opted in
    to the OSS, it charges their country's VAT from the first euro (books with
    ``oss_opt_in = true``); not opted in, it charges French VAT until its EU-wide distance
    sales of the year pass EUR 10,000, and their country's VAT from the sale that passes
    it (books with ``oss_opt_in = false``, what ``ecomledger init`` writes).

    ``payout_events`` adds what a Shopify Payments balance sees besides sales and refunds
    (see :func:`_with_events`); only the Shopify dialect renders those.
    """
    rng = random.Random(seed)
    products = [
        Product(
            7_200_000_000 + i * 101, 4_300_000_000 + i * 101, sku, title, Decimal(price), vat_class
        )
        for i, (sku, title, price, vat_class) in enumerate(_CATALOGUE)
    ]
    gift = Product(
        7_299_000_001,
        4_399_000_001,
        "GIFT-CARD-50",
        "Carte cadeau 50 €",
        Decimal("50.00"),
        "none",
        gift_card=True,
    )
    products.append(gift)
    customers = _customers(rng, max(12, orders // 3))
    ids = _Ids(seed)
    span = timedelta(days=DAYS) / max(orders, 1)
    result: list[Order] = []
    home = next((c for c in customers if c.country == HOME and not c.vat_number), None)
    distance = _DistanceSales(oss_opt_in, fallback=home is not None)
    for n in range(orders):
        created = EPOCH + span * n + timedelta(seconds=rng.randint(0, int(span.total_seconds())))
        created = created.replace(microsecond=0)
        customer = rng.choice(customers)
        state, next_id = rng.getstate(), ids.next
        try:
            order = _order(rng, ids, n, created, customer, products, gift, distance.decide)
        except _Straddle:  # sold at home instead (see _DistanceSales.decide)
            assert home is not None
            rng.setstate(state)
            ids.next = next_id
            order = _order(rng, ids, n, created, home, products, gift, distance.decide)
        distance.count(order)
        result.append(order)
    result.sort(key=lambda o: o.created_at)
    payouts = _payouts(rng, ids, result, settled)
    if payout_events:
        payouts = _with_events(random.Random(f"payout-events-{seed}"), ids, payouts)
    return Dataset(seed, products, customers, result, payouts)


class _Ids:
    """Sequential, platform-looking ids (deterministic, distinct across kinds)."""

    def __init__(self, seed: int) -> None:
        self.next = 1_000_000 + seed * 7919

    def __call__(self, base: int) -> int:
        self.next += 1
        return base + self.next


class _Straddle(Exception):
    """An order whose lines would cross the OSS threshold part-way (see ``decide``)."""


def _paris_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def _goods_bases(order: Order) -> list[Decimal]:
    """The net amount of each goods line as booking posts it on the sales account (the
    pre-discount net of a discounted line), which is what the VAT plugin counts."""
    bases = []
    for li in order.lines:
        if li.product.gift_card:
            continue
        if li.discount:
            bases.append(round_money(li.gross / (1 + li.rate / 100)))
        else:
            bases.append(li.total - li.tax)
    return bases


def _split_order_vat(order: Order) -> None:
    """Give each line and the shipping its share of the order's VAT per rate."""
    parts = [(li.total, li.rate) for li in order.lines]
    parts.append((order.shipping_price, order.shipping_rate))
    *shares, shipping = split_vat(parts)
    for li, share in zip(order.lines, shares, strict=True):
        li.vat = share
    order.shipping_vat = shipping


def _tax_at(order: Order, home: bool) -> None:
    """Set the order's rates: French ones (``home``) or its destination's."""
    country = COUNTRIES[HOME] if home else order.country
    for li in order.lines:
        if not li.product.gift_card:
            li.rate = _line_rate(li.product, country, False)
    if order.shipping_rate:
        order.shipping_rate = country.standard
    _split_order_vat(order)


@dataclass
class _DistanceSales:
    """The shop's EU-wide distance sales of the year, counted as the VAT plugin counts them.

    Sales books follow entries in date order (a day's invoices before its credit notes):
    each EU consumer line's net adds to the year's total, a credit note's lines deduct,
    and from the line that takes the total over the threshold destination VAT applies,
    for good. A shop not opted in to the OSS charges French VAT until then.
    """

    opt_in: bool
    fallback: bool
    total: Decimal = ZERO
    passed: bool = False
    pending: list[tuple[date, Decimal]] = field(default_factory=list)

    def decide(self, order: Order) -> None:
        """Set an order's VAT rates for the regime its date puts it under.

        An order whose first lines fit under the threshold and whose later ones pass it
        would need two regimes in one invoice: the shop sells it at home instead (the
        caller draws it again for a French customer, raising :class:`_Straddle`).
        """
        _split_order_vat(order)
        if self.opt_in or not order.distance_sale:
            return
        day = _paris_day(order.created_at)
        self.pending.sort()
        while self.pending and self.pending[0][0] < day:
            self.total -= self.pending.pop(0)[1]
        if self.passed:
            return
        _tax_at(order, home=True)
        if self.total + sum(_goods_bases(order), ZERO) <= OSS_THRESHOLD:
            return
        _tax_at(order, home=False)
        bases = _goods_bases(order)
        if (bases and self.total + bases[0] > OSS_THRESHOLD) or not self.fallback:
            return
        raise _Straddle

    def count(self, order: Order) -> None:
        """Add a booked order's lines, and its credit notes to come, to the total."""
        if self.opt_in or not order.payments or not order.distance_sale:
            return
        for base in _goods_bases(order):
            self.total += base
            self.passed = self.passed or self.total > OSS_THRESHOLD
        for refund in order.refunds:
            back = [rl.subtotal - rl.tax for rl in refund.lines if not rl.line.product.gift_card]
            self.pending.append((_paris_day(refund.created_at), sum(back, ZERO)))


def _order(
    rng: random.Random,
    ids: _Ids,
    n: int,
    created: datetime,
    customer: Customer,
    products: list[Product],
    gift: Product,
    regime: Callable[[Order], None] = _split_order_vat,
) -> Order:
    country = COUNTRIES[customer.country]
    reverse = bool(customer.vat_number) and country.code != "FR"
    chosen = rng.sample(products[:-1], rng.randint(1, 3))
    if rng.random() < 0.06:
        chosen.append(gift)
    lines = [
        Line(
            ids(8_800_000_000),
            p,
            1 if p.gift_card else rng.randint(1, 3),
            _line_rate(p, country, reverse),
        )
        for p in chosen
    ]
    discounts: list[DiscountApp] = []
    goods = [li for li in lines if not li.product.gift_card]
    if goods and rng.random() < 0.15:
        line = rng.choice(goods)
        app = DiscountApp(
            len(discounts), "automatic", None, "Lot -20 %", Decimal("20"), "percentage", "each"
        )
        discounts.append(app)
        line.allocations.append((app.index, cents(line.gross * Decimal("0.20"))))
    if goods and rng.random() < 0.3:
        base = sum((li.total for li in goods), ZERO)
        if rng.random() < 0.5 and base > Decimal("30"):
            app = DiscountApp(
                len(discounts),
                "discount_code",
                "WELCOME10",
                "WELCOME10",
                Decimal("10.00"),
                "fixed_amount",
                "across",
            )
            amount = Decimal("10.00")
        else:
            app = DiscountApp(
                len(discounts),
                "discount_code",
                "PRINTEMPS15",
                "PRINTEMPS15",
                Decimal("15"),
                "percentage",
                "across",
            )
            amount = cents(base * Decimal("0.15"))
        discounts.append(app)
        for li, part in zip(
            goods, largest_remainders(amount, [li.total for li in goods]), strict=True
        ):
            if part:
                li.allocations.append((app.index, part))
    subtotal = sum((li.total for li in lines), ZERO)
    if not country.eu:
        shipping_title, shipping = "International", Decimal("19.00")
    elif subtotal >= Decimal("100"):
        shipping_title, shipping = "Livraison offerte", ZERO
    elif country.code == "FR":
        shipping_title, shipping = "Colissimo", Decimal("4.90")
    else:
        shipping_title, shipping = "Colissimo International", Decimal("9.90")
    shipping_rate = ZERO if (reverse or not country.eu) else country.standard
    order = Order(
        id=ids(5_600_000_000),
        number=1001 + n,
        created_at=created,
        customer=customer,
        presentment_currency=country.currency,
        lines=lines,
        discounts=discounts,
        shipping_title=shipping_title,
        shipping_price=shipping,
        shipping_rate=shipping_rate,
    )
    regime(order)
    shipping_rate = order.shipping_rate
    total = order.total_price
    roll = rng.random()
    if roll < 0.03:  # cancelled before capture: voided, no money moved
        order.cancelled_at = created + timedelta(hours=rng.randint(1, 20))
        order.cancel_reason = "customer"
        return order
    gift_paid = ZERO
    if rng.random() < 0.08 and not any(li.product.gift_card for li in lines):
        gift_paid = min(total, Decimal("25.00"))
        order.payments.append(Payment(ids(2_100_000_000), "gift_card", gift_paid, created))
    if total - gift_paid > 0:
        order.payments.append(
            Payment(ids(2_100_000_000), "shopify_payments", total - gift_paid, created)
        )
    if gift_paid:
        return order  # keep refunds to card-only orders: the money goes back one way
    if roll < 0.06:  # cancelled after capture: everything refunded and restocked
        when = created + timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 12))
        order.cancelled_at = when
        order.cancel_reason = rng.choice(["customer", "inventory", "fraud"])
        rlines = tuple(  # a gift card is never restocked: it is no stock
            RefundLine(li, li.quantity, not li.product.gift_card, li.total, li.tax) for li in lines
        )
        order.refunds.append(
            Refund(
                ids(9_300_000_000),
                ids(2_100_000_000),
                when,
                rlines,
                shipping,
                order.shipping_tax,
                "Commande annulée",
            )
        )
    elif roll < 0.22 and goods:
        line = rng.choice(goods)
        qty = rng.randint(1, line.quantity)
        subtotal_back = cents(line.total * qty / line.quantity)
        restock = rng.random() < 0.6
        back_shipping = shipping if rng.random() < 0.3 else ZERO
        line_tax, shipping_tax = split_vat(
            [(subtotal_back, line.rate), (back_shipping, shipping_rate)]
        )
        rl = RefundLine(line, qty, restock, subtotal_back, line_tax)
        when = created + timedelta(days=rng.randint(3, 20), hours=rng.randint(0, 23))
        order.refunds.append(
            Refund(
                ids(9_300_000_000),
                ids(2_100_000_000),
                when.replace(microsecond=0),
                (rl,),
                back_shipping,
                shipping_tax,
                rng.choice(["Article abîmé", "Erreur de taille", "Retour client"]),
            )
        )
    return order


def _fee(amount: Decimal, country: Country) -> Decimal:
    rate = Decimal("0.015") if country.eu else Decimal("0.029")
    return cents(amount * rate + Decimal("0.25"))


def _payouts(
    rng: random.Random, ids: _Ids, orders: list[Order], settled: bool = False
) -> list[Payout]:
    txns: list[BalanceTxn] = []
    for order in orders:
        for payment in order.payments:
            if payment.gateway == "shopify_payments":
                txns.append(
                    BalanceTxn(
                        ids(3_400_000_000),
                        "charge",
                        order,
                        payment.id,
                        payment.amount,
                        _fee(payment.amount, order.country),
                        payment.created_at,
                    )
                )
        for refund in order.refunds:
            txns.append(
                BalanceTxn(
                    ids(3_400_000_000),
                    "refund",
                    order,
                    refund.transaction_id,
                    -refund.amount,
                    ZERO,
                    refund.created_at,
                )
            )
    txns.sort(key=lambda t: (t.processed_at, t.id))
    by_week: dict[date, list[BalanceTxn]] = {}
    for txn in txns:
        day = txn.processed_at.date()
        monday = day - timedelta(days=day.weekday())
        by_week.setdefault(monday, []).append(txn)
    today = (EPOCH + timedelta(days=DAYS + (60 if settled else 0))).date()
    payouts = []
    for monday, week in sorted(by_week.items()):
        when = monday + timedelta(days=9)  # the Wednesday after the week closes
        if when < today:
            status = "paid"
        elif when < today + timedelta(days=3):
            status = "in_transit"
        else:
            status = "scheduled"
        payouts.append(Payout(ids(7_700_000_000), when, status, week))
    return payouts


def _with_events(rng: random.Random, ids: _Ids, payouts: list[Payout]) -> list[Payout]:
    """The payouts with a balance's other movements, drawn from their own ``rng`` so that
    the orders stay those of the seed: the fee of an order cancelled after capture given
    back (an adjustment), chargebacks with their 15.00 fee and half of them won back a
    month later, funds reserved for four weeks, and a payout that failed and is retried
    with the next one. Each moves to the payout of the week it happens in."""
    txns = [t for p in payouts for t in p.transactions]
    extra: list[BalanceTxn] = []
    for txn in txns:
        order = txn.order
        if order is None or txn.type != "charge":
            continue
        if order.cancel_reason and order.refunds:
            when = order.refunds[0].created_at
            extra.append(BalanceTxn(ids(3_400_000_000), "adjustment", order, txn.source_id,
                                    txn.fee, ZERO, when))  # fmt: skip
        elif not order.refunds and rng.random() < 0.02:
            when = txn.processed_at + timedelta(days=rng.randint(10, 30))
            extra.append(BalanceTxn(ids(3_400_000_000), "dispute", order, txn.source_id,
                                    -txn.amount, Decimal("15.00"), when))  # fmt: skip
            if rng.random() < 0.5:
                won = when + timedelta(days=rng.randint(20, 40))
                extra.append(BalanceTxn(ids(3_400_000_000), "dispute", order, txn.source_id,
                                        txn.amount, ZERO, won))  # fmt: skip
    weeks = [p for p in payouts if p.transactions]
    if len(weeks) > 2:
        week = weeks[1]
        held = cents(week.gross("charge") * Decimal("0.10"))
        start = max(t.processed_at for t in week.transactions)
        for amount, when in ((-held, start), (held, start + timedelta(days=28))):
            extra.append(BalanceTxn(ids(3_400_000_000), "reserve", None, 0, amount, ZERO, when))
    by_week = {p.date - timedelta(days=9): p for p in payouts}
    last = max(by_week) if by_week else None
    for txn in extra:
        day = txn.processed_at.date()
        monday = day - timedelta(days=day.weekday())
        if last is None or monday > last:
            continue  # after the sandbox's horizon: not yet on any payout
        payout = by_week.get(monday) or by_week[min(m for m in by_week if m >= monday)]
        payout.transactions.append(txn)
    paid = [p for p in payouts if p.status == "paid" and p.amount > 0]
    plain = [  # a payout of sales and refunds only: what it retries clears them alone
        i for i, p in enumerate(paid[:-1])
        if all(t.type in ("charge", "refund") for t in p.transactions)
    ]  # fmt: skip
    if len(paid) > 2 and plain and rng.random() < 0.5:
        failed, retry = paid[plain[0]], paid[plain[0] + 1]
        failed.status = "failed"
        gross = sum((t.amount for t in failed.transactions), ZERO)
        fee = sum((t.fee for t in failed.transactions), ZERO)
        when = min(t.processed_at for t in retry.transactions)
        retry.transactions.append(BalanceTxn(ids(3_400_000_000), "payout_failure", None,
                                             failed.id, gross, fee, when))  # fmt: skip
    for payout in payouts:
        payout.transactions.sort(key=lambda t: (t.processed_at, t.id))
    return payouts
