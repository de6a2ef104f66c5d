"""``ecomledger rules``: work with the bank categorisation rules."""

from __future__ import annotations

import typer

from ecomledger import ledger
from ecomledger.cli._common import books_dir, console
from ecomledger.rules import RULES_NAME, format_rules, load_rules, suggest_rules

app = typer.Typer(
    name="rules", help="Bank categorisation rules (rules.toml).", no_args_is_help=True
)


@app.command("suggest")
def suggest_command(ctx: typer.Context) -> None:
    """Propose rules for payees in suspense from how their earlier lines were booked."""
    books = books_dir(ctx)
    rules = load_rules(books / RULES_NAME)
    entries, _, _ = ledger.load(books)
    suggestions = suggest_rules(entries, rules)
    if not suggestions:
        console.print("No suggestion: no payee in suspense was booked elsewhere before.")
        return
    console.print(f"# {len(suggestions)} suggested rule(s); paste them into {RULES_NAME}:\n")
    typer.echo(format_rules(suggestions))


@app.command("check")
def check_rules_command(ctx: typer.Context) -> None:
    """Validate rules.toml and print how many rules it has."""
    books = books_dir(ctx)
    rules = load_rules(books / RULES_NAME)
    console.print(f"{books / RULES_NAME}: {len(rules)} rule(s), valid.")
