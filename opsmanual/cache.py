"""Caches kept between builds: in the user's cache folder (~/.cache/opsmanual: compiled Jinja templates, Material's
and the pages' own; each page's segmented search words and minified HTML; rendered blocks), and in the process (kept(): what `manual serve`'s rebuilds and the versions of one
publication would otherwise work out again). What they keep is a pure function of what they are keyed by (the
content, by digest), so a stale entry cannot exist; losing one only costs time. trim() keeps each folder of the
cache under a size, dropping what was used least recently."""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path


def kept(store: dict, key, make, limit: int = 8):
    """make(), kept in store under key with the limit most recently used others (an error is raised, not kept)."""
    if key in store:
        store[key] = store.pop(key)  # most recently used last
        return store[key]
    value = make()
    store[key] = value
    while len(store) > limit:
        store.pop(next(iter(store)))
    return value


def folder(name: str) -> Path | None:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "opsmanual" / name
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return base


@cache
def code_fingerprint(module_file: str, packages: tuple[str, ...]) -> str:
    """The digest of what a cached result depends on besides its input: the module's own code and the versions of
    the packages it uses."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(Path(module_file).read_bytes())
    for package in packages:
        try:
            digest.update(f"{package} {version(package)}\0".encode())
        except PackageNotFoundError:  # not installed: its absence is part of the key
            digest.update(f"{package} -\0".encode())
    return digest.hexdigest()


@cache
def bytecode_cache():
    import jinja2

    class WholeFileBytecodeCache(jinja2.FileSystemBytecodeCache):
        """Jinja's, with its files read whole and their code by marshal.loads: Jinja hands the open file to
        marshal.load, which reads a compiled page piece by piece, four times slower (~0.4 s of a 1,000-page
        build). Same format, same checks: Bucket.load_bytecode's."""

        def load_bytecode(self, bucket) -> None:
            import io
            import marshal
            import pickle

            from jinja2.bccache import bc_magic

            try:
                data = Path(self._get_cache_filename(bucket)).read_bytes()
            except OSError:
                return
            stream = io.BytesIO(data)
            try:
                if stream.read(len(bc_magic)) != bc_magic or pickle.load(stream) != bucket.checksum:
                    return
                bucket.code = marshal.loads(data[stream.tell() :])
            except (EOFError, ValueError, TypeError, pickle.UnpicklingError):
                bucket.reset()

    place = folder("jinja")
    return WholeFileBytecodeCache(str(place)) if place else None


@cache
def string_environment():
    """A Jinja environment for texts (pages, form strings): strict, not escaping, and its compiled templates
    cached on disk by the text's digest (a 40 KB chapter takes ~70 ms to compile)."""
    import jinja2

    sources: dict[str, str] = {}

    def load(name: str):
        return sources[name], None, lambda: True

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(load),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        bytecode_cache=bytecode_cache(),
        cache_size=2000,
    )
    env.globals["__sources"] = sources

    def template(text: str):
        name = hashlib.sha256(text.encode("utf-8")).hexdigest()
        sources[name] = text
        return env.get_template(name)

    env.template_for = template
    return env


def compiling_once(env) -> None:
    """env.from_string (the macros plugin's, which compiles every page as a template) with the compiled code kept
    in the cache folder, by the digest of the text and of the syntax it was compiled with."""
    cached = bytecode_cache()
    if cached is None or getattr(env.from_string, "compiled_once", False):
        return
    original = env.from_string
    syntax = repr(
        (
            env.block_start_string,
            env.block_end_string,
            env.variable_start_string,
            env.variable_end_string,
            env.comment_start_string,
            env.comment_end_string,
            env.line_statement_prefix,
            env.line_comment_prefix,
            env.trim_blocks,
            env.lstrip_blocks,
            env.newline_sequence,
            env.keep_trailing_newline,
            env.optimized,
            env.autoescape,
            sorted(env.extensions),
        )
    )

    def from_string(source, globals=None, template_class=None):
        if not isinstance(source, str) or callable(env.autoescape):
            return original(source, globals, template_class)
        name = hashlib.sha256(f"{syntax}\0{source}".encode()).hexdigest()
        bucket = cached.get_bucket(env, name, None, source)
        if bucket.code is None:
            bucket.code = env.compile(source)  # as Environment.from_string compiles it
            cached.set_bucket(bucket)
        return (template_class or env.template_class).from_code(env, bucket.code, env.make_globals(globals), None)

    from_string.compiled_once = True
    env.from_string = from_string


def template(text: str):
    return string_environment().template_for(text)


def stored(name: str, key: str, make):
    """make(), kept in the cache folder under name/key (JSON): for results that are a pure function of key."""
    global _written
    import json

    place = folder(name)
    file = place / f"{key}.json" if place else None
    if file is not None:
        try:
            value = json.loads(file.read_text(encoding="utf-8"))
            os.utime(file)  # used now: trim() drops the least recently used first
            return value
        except (OSError, ValueError):
            pass
    value = make()
    if file is not None:
        try:
            temporary = file.with_suffix(f".{os.getpid()}.tmp")
            _written += temporary.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, file)
        except OSError:
            pass
    return value


#: The most each folder of the cache keeps (bytes): a 1,000-page manual fills its largest, the minified pages,
#: with ~60 MB a build; trimmed to three quarters of this when it grows past it.
FOLDER_LIMIT = 256 * 1024**2
#: Characters this process has written into the cache folder, and how many it had written when it last trimmed it
#: (None: it has not).
_written = 0
_trimmed_at: int | None = None


def trim(limit: int = FOLDER_LIMIT, force: bool = False) -> None:
    """Drop the least recently used entries of each folder of the cache that holds more than limit bytes, down to
    three quarters of it (what a build that changes everything adds fits in the quarter left free).

    Listing the folders takes ~0.1 s, a share of `manual serve`'s rebuild: it is done when this process has
    written something and not yet trimmed, or has written an eighth of the limit since it last did."""
    global _trimmed_at
    if not force and (_written == 0 or _trimmed_at is not None and _written - _trimmed_at < limit // 8):
        return
    _trimmed_at = _written
    base = folder("")
    if base is None:
        return
    for place in (entry for entry in os.scandir(base) if entry.is_dir()):
        try:
            files = [(entry.stat().st_mtime, entry.stat().st_size, entry.path) for entry in os.scandir(place.path)]
        except OSError:
            continue
        total = sum(size for _, size, _ in files)
        if total <= limit:
            continue
        for _, size, path in sorted(files):
            if total <= limit * 3 // 4:
                break
            try:
                os.remove(path)
                total -= size
            except OSError:
                pass
