"""`chattui rm ID [--forget]`: delete a conversation. Its turns' usage and cost stay in the
spend ledger for `chattui stats` (money spent stays spent); `--forget` erases them too,
also for a conversation deleted earlier."""

from __future__ import annotations

from chattui.subcommands.archive import CommandError, fail, find_conversation, open_store

HELP = ("Delete a conversation (id, id prefix or `last`). Its spend stays in `chattui stats` "
        "unless --forget.")


def add_arguments(parser) -> None:
    parser.add_argument("conversation", help="id, unambiguous id prefix, or `last`")
    parser.add_argument("--forget", action="store_true",
                        help="also erase its usage and cost from the spend ledger")


def run(args, settings) -> int:
    from chattui.core.secrets import redact

    try:
        store = open_store(settings)
    except CommandError as exc:
        return fail("rm", str(exc))
    try:
        try:
            conversation = find_conversation(store, args.conversation)
        except CommandError as exc:
            if args.forget and (erased := store.forget_spend(args.conversation)):
                print(f"forgot the spend of deleted conversation {args.conversation} "
                      f"({erased} turn(s))")
                return 0
            return fail("rm", str(exc))
        if elsewhere := store.streaming_elsewhere(conversation.id):  # its reply would be lost
            return fail("rm", f"a reply is streaming into {conversation.id} in another window "
                              f"({elsewhere[0][1]}): stop it there first")
        store.delete_conversation(conversation.id, forget=args.forget)
    finally:
        store.close()
    title = redact(conversation.title or "(untitled)", settings.known_secrets())
    kept = ("its usage and cost were erased too" if args.forget
            else "its spend stays in `chattui stats` (--forget erases it)")
    print(f"deleted {conversation.id} “{title}”: {kept}")
    return 0
