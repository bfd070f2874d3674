"""`kalshi-tui transfer --from A --to B --amount DOLLARS`: move collateral between shards.

The same procedure as the app's transfer dialog (`services.transfers.send_transfer`): the
request is checked, journaled in the account's journal (the demo account's when no config
file exists) before it is sent, sent once, and its outcome journaled. Prints one line and
the free balance per shard afterwards. Exit status: 0 done, 1 refused by the exchange (or
its outcome unknown, or no exchange reachable), 2 a bad request (nothing sent).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, TextIO

from kalshi_tui.files import FileProblem

if TYPE_CHECKING:
    from kalshi_tui import api
    from kalshi_tui.halt_cmd import Account
    from kalshi_tui.services.transfers import TransferRequest

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
PROG = "kalshi-tui transfer"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from", dest="source", required=True, metavar="SHARD", help="source exchange shard"
    )
    parser.add_argument(
        "--to", dest="destination", required=True, metavar="SHARD", help="destination shard"
    )
    parser.add_argument(
        "--amount", required=True, metavar="DOLLARS", help="dollars to move, e.g. 100.00"
    )


def run(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    """Carry out `kalshi-tui transfer`."""
    from kalshi_tui.services.transfers import TransferRefused, TransferRequest

    stream = out if out is not None else sys.stdout
    try:
        request = TransferRequest.parse(args.source, args.destination, args.amount)
    except TransferRefused as bad:
        print(f"{PROG}: {bad}", file=sys.stderr)
        return EXIT_USAGE
    from kalshi_tui.halt_cmd import resolve_account

    account = resolve_account(getattr(args, "config", None))
    return asyncio.run(_transfer(account, request, stream))


async def _transfer(account: Account, request: TransferRequest, out: TextIO) -> int:
    from kalshi_tui.config import ConfigError
    from kalshi_tui.halt_cmd import _client  # the one way a command reaches the account
    from kalshi_tui.journal import JournalError
    from kalshi_tui.services.launch import open_journal
    from kalshi_tui.services.transfers import TransferRefused, send_transfer

    try:
        journal = open_journal(account.data_dir, verify=False, fix=account.data_dir_fix)
    except (JournalError, FileProblem) as exc:
        print(f"{PROG}: not sent: cannot open the journal ({account.label}): {exc}", file=out)
        return EXIT_FAILURE
    with journal:
        try:
            client, where = _client(account)
        except ConfigError as error:
            client, where = None, "the API key cannot be used:\n" + error.report()
        if client is None:
            print(f"{PROG}: not sent: {where}", file=out)
            return EXIT_FAILURE
        async with client:
            try:
                result = await send_transfer(client, journal, request)
            except TransferRefused as refused:
                print(f"{PROG}: {refused}", file=out)
                return EXIT_FAILURE
            print(f"{result.message} ({account.label}, {where})", file=out, flush=True)
            if result.outcome != "done":
                return EXIT_FAILURE
            await _print_balances(client, out)
    return EXIT_OK


async def _print_balances(client: api.KalshiClient, out: TextIO) -> None:
    """The free balance per shard after the transfer (best effort: the transfer is done)."""
    from kalshi_tui import api
    from kalshi_tui.domain import format as fmt

    try:
        balance = await client.get_balance()
    except api.KalshiError as exc:
        print(f"(could not read the balance afterwards: {exc})", file=out)
        return
    rows = balance.breakdown or (api.ShardBalance(exchange_index=0, balance=balance.balance),)
    text = " · ".join(f"shard {row.exchange_index} {fmt.dollars(row.balance)}" for row in rows)
    print(f"free balance: {text}", file=out)
