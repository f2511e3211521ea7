"""Every command's --help: switches shown as switches (no `<bool>`), every option documented, and the environment
variables the command reads named."""

from __future__ import annotations

import re

import pytest

from leonet.cli import _environment_epilogs


def _help(root, path, capsys) -> str:
    with pytest.raises(SystemExit) as done:
        root.main([*path, "--help"], prog_name="leonet")
    assert done.value.code in (0, None)
    return capsys.readouterr().out


def _leaves(command, path: tuple[str, ...] = ()):
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield path, command


def test_every_command_help_documents_options_and_environment(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    root = _environment_epilogs()
    leaves = list(_leaves(root))
    assert len(leaves) >= 12
    for path, command in leaves:
        for param in command.params:
            if param.param_type_name in ("option", "argument"):
                text = (getattr(param, "help", None) or "").strip()
                assert text, f"leonet {' '.join(path)} {param.opts[0]} has no help"
        out = _help(root, path, capsys)
        assert "<bool>" not in out, f"leonet {' '.join(path)} --help shows <bool>"
        assert "Environment:" in out, f"leonet {' '.join(path)}"
    serve = _help(root, ["serve"], capsys)
    assert "LEONET_ADMIN_KEY" in serve and "LEONET_DB" in serve
    routes = _help(root, ["routes"], capsys)
    assert "--dask " in routes and "reads no variables" in routes


def test_help_names_every_variable_the_options_read(capsys, monkeypatch):
    """An option declared with envvar=…, a --db whose default is $LEONET_DB, and a command that writes to the
    store (the audit checkpoint follows every commit) each put their variables in the command's Environment line."""
    monkeypatch.setenv("COLUMNS", "400")
    root = _environment_epilogs()
    writers = {("serve",), ("demo",), ("run",), ("db", "seed"), ("db", "import"), ("db", "upgrade"),
               ("audit", "verify"), ("zones", "import"), ("policy", "apply"), ("population", "generate")}
    for path, command in _leaves(root):
        names = set()
        for param in command.params:
            envvar = param.envvar or ()
            names.update([envvar] if isinstance(envvar, str) else envvar)
            if "--db" in getattr(param, "opts", ()) and "$LEONET_DB" in (param.help or ""):
                names.add("LEONET_DB")
        if path in writers:
            names.update({"LEONET_AUDIT_CHECKPOINT", "LEONET_AUDIT_HMAC_KEY"})
        epilog = " ".join(command.epilog.split())
        for name in names:
            assert name in epilog, f"leonet {' '.join(path)} --help does not name {name}: {epilog}"
        if names:
            assert "reads no variables" not in epilog


def test_help_keeps_bracketed_words(capsys, monkeypatch):
    """Help texts are not rich markup: '[population]' in a help text is shown, not swallowed as a style tag."""
    import re

    monkeypatch.setenv("COLUMNS", "400")
    root = _environment_epilogs()
    checked = 0
    for path, command in _leaves(root):
        words = [w for p in command.params for w in re.findall(r"\[[a-z_]+\]", p.help or "")]
        if words:
            out = " ".join(_help(root, path, capsys).split())
            for word in words:
                assert word in out, f"leonet {' '.join(path)} --help lost {word}"
                checked += 1
    assert checked >= 1


def _plain(text: str) -> str:
    """--help output without the boxes, whitespace collapsed (wrapped lines joined)."""
    return " ".join(text.translate({ord(c): " " for c in "│╭╮╰╯─"}).split())


def test_every_help_text_is_shown_verbatim_and_names_the_variables_it_reads(capsys, monkeypatch):
    """Help text is rich markup: a literal `[population]` would vanish from the rendered help. And a command whose
    option falls back on $LEONET_… names that variable in its Environment line."""
    monkeypatch.setenv("COLUMNS", "200")
    root = _environment_epilogs()
    for path, command in _leaves(root):
        out = _plain(_help(root, path, capsys))
        for param in command.params:
            text = " ".join((getattr(param, "help", None) or "").replace("\\[", "[").split())  # \[ escapes a [
            assert text in out, f"leonet {' '.join(path)} {param.name}: {text!r} not shown as written"
            for var in re.findall(r"\$(LEONET_[A-Z_]+)", text):
                assert var in out.rpartition("Environment:")[2], f"leonet {' '.join(path)}: {var}"
