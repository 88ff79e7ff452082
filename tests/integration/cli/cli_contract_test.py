#!/usr/bin/env python3
"""The command line's contract, tested through the custody binary.

usage: cli_contract_test.py TEST CUSTODY SOURCE_DIR

Each TEST is one function below. Exit 0: passed; 1: failed (the reason on
stderr); 77: skipped, saying why (a tool such as zsh or groff is missing).
Every test runs in a new temporary directory with HOME, XDG_CONFIG_HOME,
CUSTODY_VAULT and CUSTODY_KEY_FILE inside it.
"""
import json
import os
import pty
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import SKIP, Workdir, check, main  # noqa: E402


class Env(Workdir):
    """A Workdir with HOME and the config directory inside it; run() runs custody."""

    def __init__(self, custody, source):
        super().__init__("custody-cli-", "cli-test", {"TZ": "UTC"})
        self.custody = custody
        self.source = source
        self.env["HOME"] = os.path.join(self.tmp, "home")
        self.env["XDG_CONFIG_HOME"] = os.path.join(self.tmp, "home", ".config")
        os.makedirs(self.env["XDG_CONFIG_HOME"])

    def run(self, *args, env=None, ok=True):
        return self.exec([self.custody, *args], env=env, ok=ok)

    def json(self, *args, env=None):
        return json.loads(self.run("--json", *args, env=env).stdout)


def command_paths(env):
    """Every command path, from the generated bash script's table (itself from CLI11)."""
    script = env.run("completion", "bash").stdout
    return re.findall(r"^    '([^']+)'\) subs=", script, re.M)


# --- completion -------------------------------------------------------------

def bash_complete(env, script, words, cword):
    line = " ".join(w if w else "''" for w in words)
    program = (f"source {script}\nCOMP_WORDS=({line})\nCOMP_CWORD={cword}\n_custody\n"
               'printf "%s\\n" "${COMPREPLY[@]}"\n')
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], cwd=env.tmp,
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, f"bash failed: {p.stderr}")
    return [w for w in p.stdout.split("\n") if w]


def test_completion_bash(env):
    if shutil.which("bash") is None:
        print("SKIPPED: bash is not installed")
        return SKIP
    script = env.write("custody.bash", env.run("completion", "bash").stdout)
    got = bash_complete(env, script, ["custody", "inc"], 1)
    check(got == ["incident"], f"custody inc<TAB>: expected ['incident'], found {got}")
    got = bash_complete(env, script, ["custody", "incident", ""], 2)
    for want in ("open", "note", "close"):
        check(want in got, f"custody incident <TAB>: expected {want} among {got}")
    got = bash_complete(env, script, ["custody", "grant", "add", "--ex"], 3)
    check(got == ["--expires"], f"custody grant add --ex<TAB>: expected ['--expires'], found {got}")
    # A global option's value is skipped when finding the command.
    got = bash_complete(env, script, ["custody", "--vault", "v", "exposure", "--a"], 4)
    check(got == ["--at"], f"custody --vault v exposure --a<TAB>: expected ['--at'], found {got}")
    got = bash_complete(env, script, ["custody", "log", "ver"], 2)
    check(got == ["verify"], f"custody log ver<TAB>: expected ['verify'], found {got}")
    # Every command the binary knows is offered under its parent.
    for path in command_paths(env):
        *parent, last = path.split(" ")
        words = ["custody", *parent, last[:-1] if len(last) > 1 else last]
        got = bash_complete(env, script, words, len(words) - 1)
        check(last in got, f"custody {' '.join(words[1:])}<TAB>: expected {last} among {got}")
    return 0


def test_completion_zsh(env):
    script = env.write("_custody", env.run("completion", "zsh").stdout)
    zsh = shutil.which("zsh")
    if zsh is None:
        print("SKIPPED: zsh is not installed (scripts/install-deps installs it); "
              f"generated {os.path.getsize(script)} bytes, not parsed")
        return SKIP
    p = subprocess.run([zsh, "-n", script], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, f"zsh -n: exit {p.returncode}: {p.stderr}")
    # The command table answers as it should once loaded (compinit, as a user's shell has it).
    program = (f"autoload -U compinit; compinit -u -d {env.tmp}/zcompdump; source {script}; "
               "_custody_spec incident; print -l -- ${subs%%:*}; _custody_spec 'grant add'; print -l -- $opts")
    p = subprocess.run([zsh, "-f", "-c", program], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, f"zsh: loading the script: {p.stderr}")
    words = p.stdout.split()
    for want in ("open", "note", "close", "--expires", "--partner"):
        check(want in words, f"zsh: expected {want} among {words}")
    text = open(script, encoding="utf-8").read()
    for path in command_paths(env):
        check(f"'{path}')" in text, f"zsh script: no case for '{path}'")
    return 0


# --- man page ---------------------------------------------------------------

def test_man_page(env):
    page = env.run("man").stdout
    path = env.write("custody.1", page)
    for section in ("NAME", "SYNOPSIS", "GLOBAL OPTIONS", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "FILES"):
        check(f".SH {section}\n" in page, f"man page: no section {section}")
    for var in ("CUSTODY_VAULT", "CUSTODY_KEY_FILE", "CUSTODY_PASSPHRASE", "CUSTODY_CONFIG", "CUSTODY_ACTOR"):
        check(f".B {var}\n" in page, f"man page: ENVIRONMENT lacks {var}")
    for cmd in command_paths(env):
        heading = re.escape("custody " + cmd.replace("-", "\\-"))
        check(re.search(rf'^\.SS "{heading}( [A-Z][A-Z_]*(\.\.\.)?)*"$', page, re.M),
              f"man page: no section for 'custody {cmd}'")
    groff = shutil.which("groff")
    mandoc = shutil.which("mandoc")
    if groff:
        p = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", path], capture_output=True, text=True)
        check(p.returncode == 0 and p.stderr == "", f"groff -man -ww: {p.returncode}: {p.stderr}")
        p = subprocess.run([groff, "-man", "-Tutf8", path], capture_output=True, text=True)
        check("grant add" in p.stdout, "groff rendered no 'grant add'")
        print(f"rendered with groff: {len(p.stdout.splitlines())} lines, no warnings")
    elif mandoc:
        p = subprocess.run([mandoc, "-T", "lint", "-W", "warning", path], capture_output=True, text=True)
        check(p.returncode == 0, f"mandoc -T lint: {p.stdout}{p.stderr}")
    else:
        print("SKIPPED: neither groff nor mandoc is installed; the page was not rendered")
        return SKIP
    return 0


def markdown_exit_codes(source):
    text = open(os.path.join(source, "docs", "cli.md"), encoding="utf-8").read()
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.*?) \| (.*?) \|$", section, re.M)
    return [(int(c), meaning, statuses) for c, meaning, statuses in rows]


def test_exit_codes_documented(env):
    """docs/cli.md's exit-code table is the one in the code (exit_codes.h), as `custody man` shows it."""
    page = env.run("man").stdout
    status = page.split(".SH EXIT STATUS\n", 1)[1].split("\n.SH ", 1)[0]
    from_man = []
    for code, meaning in re.findall(r"^\.TP\n\.B (\d+)\n(.*)$", status, re.M):
        meaning = meaning.replace("\\-", "-").replace("\\fB", "`").replace("\\fR", "`").replace("\\e", "\\")
        from_man.append((int(code), meaning))
    from_docs = [(c, m) for c, m, _ in markdown_exit_codes(env.source)]
    check(len(from_man) >= 9, f"man page: expected the exit codes 0..8, found {from_man}")
    check(from_man == from_docs,
          "docs/cli.md's exit codes differ from the code's (apps/cli/exit_codes.h):\n"
          f"  docs: {from_docs}\n  code: {from_man}")
    return 0


# --- config file ------------------------------------------------------------

def config_show(env, *args, env_vars=None):
    out = env.json(*args, "config", "show", env=env_vars)
    return {k: (v["value"], v["source"]) for k, v in out["settings"].items()}, out


def test_config_precedence(env):
    cfg = env.write("home/.config/custody/config.toml",
                    '# defaults for this user\nvault = "/from/config/vault"\nkey_file = "/from/config/key"\n'
                    "threads = 3\njson = false\n")
    os.chmod(cfg, 0o644)  # readable by others: fine, it holds no secret
    unset = {"CUSTODY_VAULT": None, "CUSTODY_KEY_FILE": None}
    s, out = config_show(env, env_vars=unset)
    check(out["config_file"] == cfg and out["config_file_found"], f"config file: {out}")
    check(s["vault"] == ("/from/config/vault", cfg + ":2"), f"vault from the config: {s['vault']}")
    check(s["key_file"] == ("/from/config/key", cfg + ":3"), f"key_file from the config: {s['key_file']}")
    check(s["threads"] == (3, cfg + ":4"), f"threads from the config: {s['threads']}")
    s, _ = config_show(env, env_vars={"CUSTODY_VAULT": "/from/env", "CUSTODY_KEY_FILE": None})
    check(s["vault"] == ("/from/env", "$CUSTODY_VAULT"), f"the environment beats the config: {s['vault']}")
    s, _ = config_show(env, "--vault", "/from/flag", env_vars={"CUSTODY_VAULT": "/from/env"})
    check(s["vault"] == ("/from/flag", "--vault"), f"the flag beats the environment: {s['vault']}")
    # The config's vault is the one used: init makes it there.
    vault = os.path.join(env.tmp, "cfg-vault")
    env.write("home/.config/custody/config.toml", f'vault = "{vault}"\njson = true\n')
    p = env.run("init", env=unset | {"CUSTODY_KEY_FILE": os.path.join(env.tmp, "k.key")})
    check(os.path.isdir(vault), f"init did not create the config's vault {vault}")
    check(json.loads(p.stdout)["vault"] == vault, f"json = true: expected one JSON object, found {p.stdout!r}")
    # $CUSTODY_CONFIG names another file, and must exist.
    other = env.write("other.toml", "quiet = true\n")
    s, _ = config_show(env, env_vars={"CUSTODY_CONFIG": other})
    check(s["quiet"] == (True, other + ":1"), f"$CUSTODY_CONFIG: {s['quiet']}")
    s, _ = config_show(env, env_vars={"CUSTODY_CONFIG": None})
    check(s["threads"] == (0, "default"), f"built-in default: {s['threads']}")
    p = env.run("--json", "config", "show", env={"CUSTODY_CONFIG": os.path.join(env.tmp, "missing.toml")}, ok=False)
    check(p.returncode == 2 and "missing.toml" in p.stderr, f"missing $CUSTODY_CONFIG: {p.returncode} {p.stderr}")
    return 0


def test_config_bad_key(env):
    cfg = env.write("home/.config/custody/config.toml", 'vault = "v"\n\nthreds = 4\n')
    p = env.run("--json", "datasets", ok=False)
    check(p.returncode == 2, f"unknown key: expected exit code 2, found {p.returncode}")
    err = json.loads(p.stdout)["error"]
    check(err["code"] == "config", f"error code: {err}")
    check(err["message"].startswith(f"{cfg}:3: threds: unknown key; expected one of vault, key_file"),
          f"unknown key message: {err['message']}")
    env.write("home/.config/custody/config.toml", "json = \"yes\"\n")
    p = env.run("datasets", ok=False)
    check(p.returncode == 2 and f"{cfg}:1: json: expected true or false, found a TOML string" in p.stderr,
          f"wrong type: {p.returncode} {p.stderr}")
    env.write("home/.config/custody/config.toml", "vault = \n")
    p = env.run("datasets", ok=False)
    check(p.returncode == 2 and f"{cfg}:1: expected TOML" in p.stderr, f"malformed TOML: {p.stderr}")
    # --help and --version still work (they are how a user finds the fix),
    # with a warning that names the problem.
    for args in (["--version"], ["--help"], ["ingest", "--help"]):
        p = env.run(*args, ok=False)
        check(p.returncode == 0, f"custody {' '.join(args)} with a broken config: exit {p.returncode} {p.stderr}")
        check(f"warning: config file ignored: {cfg}:1: expected TOML" in p.stderr,
              f"custody {' '.join(args)}: no warning naming the config: {p.stderr}")
    return 0


def test_config_secret_refused(env):
    cfg = env.write("home/.config/custody/config.toml",
                    'key_file = "/keys/master.key"\npassphrase = "hunter2-secret"\n')
    p = env.run("--json", "config", "show", ok=False)
    check(p.returncode == 2, f"passphrase in the config: expected exit code 2, found {p.returncode}")
    err = json.loads(p.stdout)["error"]["message"]
    check(err.startswith(f"{cfg}:2: passphrase: a config file must not hold a passphrase or key"), err)
    check("hunter2-secret" not in p.stdout + p.stderr, "the refused secret was echoed")
    for key in ("key", "master_key", "password", "secret_key"):
        env.write("home/.config/custody/config.toml", f'{key} = "x"\n')
        p = env.run("config", "show", ok=False)
        check(p.returncode == 2 and "must not hold a passphrase or key" in p.stderr, f"{key}: {p.stderr}")
    return 0


# --- help and prompts -------------------------------------------------------

def test_help_every_command(env):
    root = env.run("--help").stdout
    globals_ = re.findall(r"^  (-\S+|--\S+)", root.split("Options:", 1)[1].split("Subcommands:", 1)[0], re.M)
    globals_ = [g.rstrip(",") for g in globals_]
    check("--vault" in globals_ and "--json" in globals_, f"root --help options: {globals_}")
    paths = command_paths(env)
    check(len(paths) > 40, f"expected every command, found {len(paths)}")
    for path in paths:
        text = env.run(*path.split(" "), "--help").stdout
        check("Global options (before or after the command):" in text, f"custody {path} --help: no global options")
        footer = text.split("Global options", 1)[1]
        for g in ("--vault", "--key-file", "--passphrase", "--passphrase-fd", "--json", "--quiet", "--version"):
            check(g in footer, f"custody {path} --help: global option {g} not listed")
        m = re.search(r"\nExample:\n  (custody .*)\n", footer)
        check(m is not None, f"custody {path} --help: no example")
        check(m.group(1).startswith("custody " + path.split(" ")[0]),
              f"custody {path} --help: the example is of another command: {m.group(1)}")
    print(f"{len(paths)} commands, each with the global options and an example")
    return 0


def test_cancelled_prompt(env):
    env.run("init")
    env.run("generate", "--records", "20", "--seed", "7", "--out", "d.jsonl")
    env.run("ingest", "--dataset", "math", "d.jsonl")
    before = env.json("log", "status")["size"]
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([env.custody, "dataset", "shred", "math"], cwd=env.tmp, env=env.env,
                             stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        os.close(slave)
        slave = -1
        os.write(master, b"n\n")
        out, err = p.communicate(timeout=120)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    check(p.returncode == 8, f"declined prompt: expected exit code 8 (cancelled), found {p.returncode}\n{out}{err}")
    check("Type its name to confirm" in err and "cancelled" in err and "nothing was changed" in err, err)
    after = env.json("log", "status")["size"]
    check(after == before, f"the log grew from {before} to {after} entries after a cancelled shred")
    shown = env.json("show", "1")
    check(shown["dataset"] == "math", f"the dataset is no longer readable: {shown}")
    return 0


def make_env(args):
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    return Env(os.path.abspath(args[0]), args[1])


if __name__ == "__main__":
    sys.exit(main(__doc__, sys.argv, make_env))
