"""AOS's ao.spawn on a node: push@1.0 turns a result's Spawns into processes and tells the parent
(docs/aos.md "Spawns"), as the ao messenger unit does. The child is an item signed by the node's
wallet that runs the module the spawn names; the parent's `ao.spawn(...).receive()` resumes on
the "Spawned" notice."""

from __future__ import annotations

from aocore import ans104, aos


def _tags(process) -> list[tuple[str, str]]:
    item = ans104.decode(ans104.from_message(process.definition))
    return [(name, value) for name, value in item["tags"]]


def _eval_from(parent, child, code: str) -> dict:
    """Sends an Eval from `parent` to `child` (its owner), pushes it and returns its result."""
    parent.eval(f"Send({{Target = '{child.id}', Action = 'Eval', Data = [[{code}]]}})")
    parent.push(parent.slot())
    return child.result(child.slot())


def test_ao_spawn_runs_the_child_and_receive_resumes_on_spawned(aocore_node):
    parent = aocore_node.spawn_aos()
    # The Eval yields in receive() until the Spawned notice arrives (a later slot).
    slot = parent.message(
        "local child = ao.spawn(ao.env.Module.Id, {Data = 'hello child', Name = 'kid', "
        "Authority = ao.authorities[1]}).receive() "
        "Child = child.Process; ChildFrom = child.From; print('spawned ' .. child.Process)",
        {"Action": "Eval"})
    first = parent.result(slot)
    assert "Error" not in first, first
    assert len(first["Spawns"]) == 1
    tree = parent.push(slot)
    child_id = tree["spawned"]["1"]["process"]
    assert tree["spawned"]["1"]["slot"] == 0

    child = aocore_node.process(child_id)
    tags = dict(_tags(child))
    assert tags["Module"] == aos.AOS_2_0_6 and tags["From-Process"] == parent.id
    assert tags["Type"] == "Process" and tags["Name"] == "kid"
    assert tags["Execution-Device"] == "genesis-wasm@1.0"
    item = ans104.decode(ans104.from_message(child.definition))
    assert item["owner_address"] == aocore_node.address and item["data"] in ("hello child", b"hello child")
    # The child booted on its process message (slot 0). As AOS decides, its Owner is the parent
    # (the From-Process of its process message): an Eval the parent sends runs there, and the
    # node, its Authority, vouches for the parent's messages.
    boot = child.result(0)
    assert "Error" not in boot, boot
    answer = _eval_from(parent, child, "return ao.id .. ' ' .. Name .. ' ' .. Owner")
    assert answer["Output"]["data"] == f"{child_id} kid {parent.id}"

    # The parent's receive() got the notice: Action Spawned, From = the parent, Process = child.
    notice_slot = tree["spawned"]["1"]["spawned"]["slot"]
    assert notice_slot == slot + 1
    resumed = parent.result(notice_slot)
    assert "Error" not in resumed, resumed
    assert f"spawned {child_id}" in str(resumed["Output"])
    assert parent.eval("return Child .. ' ' .. ChildFrom")["Output"]["data"] == f"{child_id} {parent.id}"

    # A second push of the spawning slot spawns nothing more and tells nobody twice.
    again = parent.push(slot)
    assert again["spawned"]["1"]["process"] == child_id
    assert again["spawned"]["1"]["spawned"]["id"] == tree["spawned"]["1"]["spawned"]["id"]


def test_on_reply_handler_sees_spawned_and_spawns_without_a_handler_land_in_the_inbox(aocore_node):
    parent = aocore_node.spawn_aos()
    slot = parent.message(
        "ao.spawn(ao.env.Module.Id, {Name = 'one', Authority = ao.authorities[1]}).onReply(function(m) Replied = m.Process end) "
        "ao.spawn(ao.env.Module.Id, {Name = 'two', Authority = ao.authorities[1]})",
        {"Action": "Eval"})
    tree = parent.push(slot)
    one, two = tree["spawned"]["1"]["process"], tree["spawned"]["2"]["process"]
    assert one != two
    assert parent.eval("return Replied")["Output"]["data"] == one
    # The second notice no handler takes: AOS keeps it in the Inbox with its tags.
    last = parent.eval("local m = Inbox[#Inbox] return m.Action .. ' ' .. m.Process .. ' ' .. m.Reference")
    assert last["Output"]["data"] == f"Spawned {two} 2"
    assert _eval_from(parent, aocore_node.process(two), "return Name")["Output"]["data"] == "two"
