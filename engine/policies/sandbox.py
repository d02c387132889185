"""Run untrusted work (a custom policy's cases, a costly SHACL-SPARQL check) in a child
process with CPU, memory and wall-clock limits.

``run_limited(fn, *args, cpu_seconds=2, memory_mb=512, wall_seconds=5, label="policy X")``
pickles ``fn`` and ``args`` to a fresh child (multiprocessing "forkserver" context on
Linux, "spawn" elsewhere), which imports what it needs, then sets ``RLIMIT_CPU`` and
``RLIMIT_AS`` on itself and calls ``fn``. The parent waits at most ``wall_seconds`` for the
call and kills the child if it runs over.

* A breach raises :class:`SandboxLimitExceeded` (a :class:`engine.errors.PolicyError`, so
  exit code 2 on the command line) naming the label and the limit: "policy X exceeded its
  2 s CPU limit".
* An :class:`engine.errors.InputError` raised inside the child is raised again in the
  parent as the same class with the same message.
* Any other exception comes back as :class:`SandboxChildError` carrying the original type
  name, message and traceback text.

Before the call the child cuts itself off the network (:func:`cut_network`), every layer
that the platform allows, so neither Python code nor native code (Oxigraph following a
SERVICE) can reach a host, 127.0.0.1 included:

1. a fresh, empty network namespace (``unshare(CLONE_NEWNET)`` through libc; as root, or
   inside a new user namespace where unprivileged user namespaces are enabled): no
   interface is up, not even loopback;
2. a seccomp filter (Linux x86-64 and arm64, ``PR_SET_NO_NEW_PRIVS`` first, so no
   privilege is needed) that makes ``socket(AF_INET | AF_INET6, ...)`` fail with EACCES;
3. a Python audit hook that refuses ``socket.connect``, ``socket.getaddrinfo`` and
   friends for Python code.

Layer 3 is always installed; 1 and 2 where they work. :func:`cut_network` returns the
names of the layers in force; a child that gets none of 1 or 2 still has 3, and the SPARQL
run paths refuse SERVICE (:func:`engine.sparqlguard.run_oxigraph`).

``memory_mb`` is the address space the call may add on top of what the child had mapped
once its imports were done (an interpreter with rdflib and pySHACL loaded maps a few
hundred megabytes before doing any work), so the same figure means the same on every
machine.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import sys
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, ClassVar, TypeVar

from engine.errors import InputError, MlwaError, PolicyError

T = TypeVar("T")

STARTUP_SECONDS = 60.0  # importing the function's module in the child; not user work
_MB = 1024 * 1024


class SandboxLimitExceeded(PolicyError):
    """The sandboxed call ran over a limit; ``which`` is "cpu", "memory" or "wall"."""

    UNITS: ClassVar[dict[str, tuple[str, str]]] = {"cpu": ("s", "CPU"), "memory": ("MB", "memory"), "wall": ("s", "wall-clock time")}

    def __init__(self, label: str, which: str, limit: float) -> None:
        self.label = label
        self.which = which
        self.limit = limit
        unit, what = self.UNITS.get(which, ("", which))
        shown = f"{limit:g}"
        super().__init__(f"{label} exceeded its {shown} {unit} {what} limit".replace("  ", " "))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.label, self.which, self.limit))


class SandboxChildError(MlwaError):
    """An unexpected exception inside the sandboxed call (not an input error)."""

    def __init__(self, label: str, type_name: str, message: str, child_traceback: str = "") -> None:
        self.label = label
        self.type_name = type_name
        self.message = message
        self.child_traceback = child_traceback
        super().__init__(f"{label} failed: {type_name}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.label, self.type_name, self.message, self.child_traceback))


def _context() -> Any:  # a multiprocessing context; typeshed's BaseContext lacks Process
    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


def _address_space() -> int:
    """Bytes of address space this process maps now (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
# (audit arch, socket syscall number) per machine; the filter is skipped elsewhere.
_SECCOMP_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
_NETWORK_EVENTS = frozenset({
    "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname",
    "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg",
})


def _libc() -> Any:
    import ctypes
    import ctypes.util

    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _unshare_network() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = _libc()
        if libc.unshare(_CLONE_NEWNET) == 0:
            return True
        return bool(libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0)
    except (OSError, AttributeError):
        return False


def _seccomp_no_inet() -> bool:
    """Install a seccomp filter: socket(AF_INET/AF_INET6) fails with EACCES."""
    import ctypes
    import errno
    import platform

    arch = _SECCOMP_ARCH.get(platform.machine())
    if arch is None or not sys.platform.startswith("linux"):
        return False
    audit_arch, nr_socket = arch

    class SockFilter(ctypes.Structure):
        _fields_: ClassVar[list[tuple[str, Any]]] = [
            ("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
            ("k", ctypes.c_uint)]

    class SockFprog(ctypes.Structure):
        _fields_: ClassVar[list[tuple[str, Any]]] = [
            ("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]

    ld, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_RET|K
    allow, deny = 0x7FFF0000, 0x00050000 | errno.EACCES  # SECCOMP_RET_ALLOW, RET_ERRNO
    program = [
        (ld, 0, 0, 4),                 # 0: arch
        (jeq, 0, 5, audit_arch),       # 1: other arch: allow
        (ld, 0, 0, 0),                 # 2: syscall number
        (jeq, 0, 3, nr_socket),        # 3: not socket(): allow
        (ld, 0, 0, 16),                # 4: first argument (domain), low word
        (jeq, 2, 0, 2),                # 5: AF_INET: deny
        (jeq, 1, 0, 10),               # 6: AF_INET6: deny
        (ret, 0, 0, allow),            # 7
        (ret, 0, 0, deny),             # 8
    ]
    filters = (SockFilter * len(program))(*[SockFilter(*f) for f in program])
    prog = SockFprog(len(program), filters)
    try:
        libc = _libc()
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            return False
        return bool(libc.prctl(22, 2, ctypes.byref(prog), 0, 0) == 0)  # PR_SET_SECCOMP, FILTER
    except (OSError, AttributeError):
        return False


def _audit_hook(event: str, args: tuple[Any, ...]) -> None:
    if event in _NETWORK_EVENTS:
        if event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
            sock = args[0] if args else None
            family = getattr(sock, "family", None)
            import socket as _socket

            if family not in (_socket.AF_INET, _socket.AF_INET6):
                return  # Unix sockets (the pipe back to the parent) stay usable
        raise PermissionError(f"network access is not allowed in the sandbox ({event})")


def cut_network() -> list[str]:
    """Cut this process off the network, every way the platform allows; return the layers
    in force ("namespace", "seccomp", "audit-hook")."""
    layers = []
    if _unshare_network():
        layers.append("namespace")
    if _seccomp_no_inet():
        layers.append("seccomp")
    sys.addaudithook(_audit_hook)
    layers.append("audit-hook")
    return layers


def _within(which: int, soft: int, hard: int) -> tuple[int, int]:
    """``(soft, hard)`` lowered to the hard limit the process already has (``ulimit -v``
    or a container's): a process may lower its limits, never raise them."""
    import resource

    _cur_soft, cur_hard = resource.getrlimit(which)
    if cur_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, cur_hard), min(hard, cur_hard)
    return soft, hard


def _child(conn: Connection, payload: bytes, cpu_seconds: float, memory_mb: float) -> None:
    """Child side: import, limit, call, report. Never raises."""
    import resource

    try:
        fn, args, kwargs = pickle.loads(payload)
    except BaseException as exc:
        conn.send(("error", type(exc).__name__, f"cannot load the sandboxed call: {exc}",
                   None, traceback.format_exc()))
        return
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = used.ru_utime + used.ru_stime
        soft = max(1, int(spent + cpu_seconds + 0.999))
        # SIGXCPU at the soft limit; the kernel's SIGKILL one second later if it is ignored.
        resource.setrlimit(resource.RLIMIT_CPU, _within(resource.RLIMIT_CPU, soft, soft + 1))
        if memory_mb > 0:
            limit = _address_space() + int(memory_mb * _MB)
            resource.setrlimit(resource.RLIMIT_AS, _within(resource.RLIMIT_AS, limit, limit))
    except (ValueError, OSError) as exc:
        conn.send(("error", type(exc).__name__, f"cannot set resource limits: {exc}", None, ""))
        return
    cut_network()
    conn.send(("started",))
    try:
        result = fn(*args, **kwargs)
    except MemoryError:
        result = None
        conn.send(("limit", "memory"))
        return
    except BaseException as exc:
        try:
            pickled = pickle.dumps(exc) if isinstance(exc, InputError) else None
        except Exception:
            pickled = None
        conn.send(("error", type(exc).__name__, str(exc), pickled, traceback.format_exc()))
        return
    try:
        conn.send(("ok", result))
    except MemoryError:
        conn.send(("limit", "memory"))
    except Exception as exc:
        conn.send(("error", type(exc).__name__, f"the result cannot be sent back: {exc}",
                   None, ""))


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    if process.is_alive():
        with contextlib.suppress(ProcessLookupError, AttributeError):
            process.kill()
    process.join(5)


def run_limited(fn: Callable[..., T], *args: Any, cpu_seconds: float = 5.0,
                memory_mb: float = 512.0, wall_seconds: float = 10.0, label: str = "policy",
                **kwargs: Any) -> T:
    """Call ``fn(*args, **kwargs)`` in a child process under CPU, memory and wall limits.

    ``fn``, the arguments and the result must be picklable (``fn`` a module-level function).
    """
    for name, value in (("cpu_seconds", cpu_seconds), ("wall_seconds", wall_seconds)):
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value!r}")
    payload = pickle.dumps((fn, args, kwargs))
    ctx = _context()
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child_conn, payload, cpu_seconds, memory_mb),
                          daemon=True, name=f"mlwa-sandbox {label}")
    process.start()
    child_conn.close()
    try:
        message = _receive(parent_conn, process, STARTUP_SECONDS, label, "start-up")
        if message[0] == "started":
            deadline = time.monotonic() + wall_seconds
            message = _receive(parent_conn, process, wall_seconds, label, "wall",
                               deadline=deadline)
    finally:
        _stop(process)
        parent_conn.close()
    return _result(message, process, label, cpu_seconds, memory_mb, wall_seconds)


class _Died(Exception):
    pass


def _receive(conn: Connection, process: multiprocessing.process.BaseProcess, timeout: float,
             label: str, what: str, deadline: float | None = None) -> tuple[Any, ...]:
    deadline = deadline if deadline is not None else time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            _stop(process)
            if what == "wall":
                raise SandboxLimitExceeded(label, "wall", timeout)
            raise SandboxChildError(label, "TimeoutError",
                                    f"the sandbox did not start within {timeout:g} s")
        if conn.poll(min(remaining, 0.05)):
            try:
                message: tuple[Any, ...] = conn.recv()
            except (EOFError, OSError):
                return ("died",)
            return message
        if not process.is_alive() and not conn.poll(0):
            return ("died",)


def _result(message: tuple[Any, ...], process: multiprocessing.process.BaseProcess,
            label: str, cpu_seconds: float, memory_mb: float, wall_seconds: float) -> Any:
    kind = message[0]
    if kind == "ok":
        return message[1]
    if kind == "limit":
        raise SandboxLimitExceeded(label, message[1], memory_mb)
    if kind == "error":
        _kind, type_name, text, pickled, child_tb = message
        if pickled is not None:
            try:
                exc = pickle.loads(pickled)
            except Exception:
                exc = None
            if isinstance(exc, InputError):
                raise exc
        if type_name == "MemoryError":
            raise SandboxLimitExceeded(label, "memory", memory_mb)
        raise SandboxChildError(label, type_name, text, child_tb)
    # The child died without a word: the kernel stopped it.
    code = process.exitcode
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        raise SandboxLimitExceeded(label, "cpu", cpu_seconds)
    if code in (-signal.SIGSEGV, -signal.SIGABRT) and memory_mb > 0:
        # allocation failures inside C code often end this way under RLIMIT_AS
        raise SandboxLimitExceeded(label, "memory", memory_mb)
    raise SandboxChildError(label, "ChildDied", f"the sandbox process ended with code {code}")


__all__ = ["SandboxChildError", "SandboxLimitExceeded", "cut_network", "run_limited"]
