"""Which pickle globals are safe, dangerous, or unknown.

A pickle names callables by ``module`` + ``name`` (GLOBAL / STACK_GLOBAL / INST). Loading the pickle
imports the module and calls what it names, so the verdict on a pickle is the verdict on its globals:

* ``safe``: on the ALLOWLIST — tensor/array rebuild helpers and plain data containers;
* ``dangerous``: on the DENYLIST — process, file, network, import, eval/exec and nested-unpickle
  entry points (whole modules or single names);
* ``unknown``: anything else. Importing an arbitrary module runs its top-level code, so an unknown
  global is never "clean" either (the scanner reports it as ``suspicious``).
"""

from __future__ import annotations

import _compat_pickle

_ALIASES = {"__builtin__": "builtins", "copy_reg": "copyreg", "exceptions": "builtins"}

_TORCH_STORAGES = [
    f"torch.{t}Storage"
    for t in (
        "Float",
        "Double",
        "Half",
        "BFloat16",
        "Long",
        "Int",
        "Short",
        "Char",
        "Byte",
        "Bool",
        "ComplexFloat",
        "ComplexDouble",
        "QUInt8",
        "QInt8",
        "QInt32",
        "QUInt4x2",
        "QUInt2x4",
        "Untyped",
        "Typed",
    )
]
_TORCH_DTYPES = [
    f"torch.{t}"
    for t in (
        "float64",
        "float32",
        "float16",
        "bfloat16",
        "float8_e4m3fn",
        "float8_e5m2",
        "float8_e4m3fnuz",
        "float8_e5m2fnuz",
        "int64",
        "int32",
        "int16",
        "int8",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "bool",
        "complex64",
        "complex128",
        "qint8",
        "quint8",
        "qint32",
        "double",
        "float",
        "half",
        "long",
        "int",
        "short",
        "cfloat",
        "cdouble",
    )
]
_TORCH_REBUILD = [
    f"torch._utils.{n}"
    for n in (
        "_rebuild_tensor",
        "_rebuild_tensor_v2",
        "_rebuild_tensor_v3",
        "_rebuild_parameter",
        "_rebuild_parameter_with_state",
        "_rebuild_qtensor",
        "_rebuild_sparse_tensor",
        "_rebuild_sparse_csr_tensor",
        "_rebuild_device_tensor_from_numpy",
        "_rebuild_meta_tensor_no_storage",
        "_rebuild_wrapper_subclass",
        "_rebuild_nested_tensor",
    )
]

# The list builders a TorchScript archive's pickles (constants.pkl, data.pkl) call: each returns its argument
# (torch/jit/_pickle.py). The archive's code/ is TorchScript that torch.jit.load runs: zips.py makes it
# unscannable (TORCHSCRIPT), so an honest TorchScript file is "not checked", never "dangerous".
_TORCHSCRIPT_PICKLE = [
    f"torch.jit._pickle.{n}"
    for n in (
        "build_intlist",
        "build_tensorlist",
        "build_doublelist",
        "build_boollist",
        "build_tensor_from_id",
        "restore_type_tag",
    )
]

ALLOWLIST: frozenset[str] = frozenset(
    _TORCH_STORAGES
    + _TORCH_DTYPES
    + _TORCH_REBUILD
    + _TORCHSCRIPT_PICKLE
    + [
        "torch.storage.UntypedStorage",
        "torch.storage.TypedStorage",
        "torch.storage._StorageBase",
        "torch._tensor._rebuild_from_type_v2",
        "torch.Size",
        "torch.device",
        "torch.Tensor",
        "torch.nn.parameter.Parameter",
        "torch.torch_version.TorchVersion",
        "torch.serialization._get_layout",
        "torch.strided",
        "torch.sparse_coo",
        "torch.per_tensor_affine",
        "torch.per_channel_affine",
        "collections.OrderedDict",
        "collections.defaultdict",
        "collections.Counter",
        "collections.deque",
        "numpy.core.multiarray._reconstruct",
        "numpy._core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar",
        "numpy._core.multiarray.scalar",
        "numpy.ndarray",
        "numpy.dtype",
        "numpy.core.numeric._frombuffer",
        "numpy._core.numeric._frombuffer",
        "joblib.numpy_pickle.NumpyArrayWrapper",
        "sklearn.utils._bunch.Bunch",
        "_codecs.encode",
        "codecs.encode",
        "copyreg._reconstructor",
        "copyreg.__newobj__",
        "copyreg.__newobj_ex__",
        "builtins.set",
        "builtins.frozenset",
        "builtins.list",
        "builtins.dict",
        "builtins.tuple",
        "builtins.slice",
        "builtins.complex",
        "builtins.bytearray",
        "builtins.bytes",
        "builtins.range",
        "builtins.int",
        "builtins.float",
        "builtins.str",
        "builtins.bool",
        "builtins.object",
        "argparse.Namespace",
        "datetime.datetime",
        "datetime.date",
        "datetime.time",
        "datetime.timedelta",
        "datetime.timezone",
        "decimal.Decimal",
        "fractions.Fraction",
        "uuid.UUID",
        "pathlib.PosixPath",
        "pathlib.WindowsPath",
        "pathlib.PurePosixPath",
        "pathlib.PureWindowsPath",
    ]
    # numpy 2 pickles some dtypes through their numpy.dtypes classes: each listed exactly, no prefix.
    + [
        f"numpy.dtypes.{n}DType"
        for n in (
            "Bool",
            "Byte",
            "Bytes",
            "CLongDouble",
            "Complex128",
            "Complex64",
            "DateTime64",
            "Float16",
            "Float32",
            "Float64",
            "Int16",
            "Int32",
            "Int64",
            "Int8",
            "Int",
            "Long",
            "LongDouble",
            "LongLong",
            "Object",
            "Short",
            "Str",
            "String",
            "TimeDelta64",
            "UByte",
            "UInt16",
            "UInt32",
            "UInt64",
            "UInt8",
            "UInt",
            "ULong",
            "ULongLong",
            "UShort",
            "Void",
        )
    ]
)
# Whole modules whose import or any callable may run code, touch files/network or unpickle again.
DENY_MODULES: frozenset[str] = frozenset(
    """os posix nt subprocess sys socket shutil webbrowser pty runpy code codeop commands
    importlib imp pickle _pickle cPickle dill cloudpickle marshal ctypes _ctypes multiprocessing threading
    _thread asyncio aiohttp http httplib urllib urllib2 urllib3 requests ftplib smtplib telnetlib poplib
    imaplib nntplib ssl pdb bdb pip setuptools distutils ensurepip venv pydoc timeit trace profile cProfile
    tempfile glob signal platform _posixsubprocess _io io builtins.open sysconfig site zipimport pkgutil
    inspect gc ctypes.util xmlrpc socketserver wsgiref smtpd asynchat asyncore _osx_support _aix_support
    _pyrepl idlelib lib2to3 test doctest numpy.f2py numpy.testing numpy.distutils torch.hub torch.jit
    torch._inductor torch._dynamo torch.utils.cpp_extension torch.utils.collect_env torch.utils.bottleneck
    torch.cuda yaml jinja2 pandas.io.pickle keras.src.saving tensorflow.python.ops.script_ops""".split()
)
# Single names (module.name) that run code or unpickle nested data.
DENY_NAMES: frozenset[str] = frozenset(
    """builtins.eval builtins.exec builtins.compile builtins.getattr builtins.setattr builtins.delattr
    builtins.__import__ builtins.globals builtins.locals builtins.vars builtins.input builtins.breakpoint
    builtins.apply builtins.execfile builtins.file builtins.reload builtins.open builtins.memoryview
    builtins.help builtins.exit builtins.quit
    types.CodeType types.FunctionType types.MethodType types.ModuleType types.LambdaType
    functools.partial functools.reduce functools.partialmethod operator.attrgetter operator.methodcaller
    operator.itemgetter _operator.attrgetter _operator.methodcaller _operator.itemgetter
    torch.load torch.serialization.load torch.storage._load_from_bytes torch._C._load_for_lite_interpreter
    torch.utils._config_module.ConfigModule.load_config torch.fx.experimental.symbolic_shapes.ShapeEnv
    torch.jit.unsupported_tensor_ops.execWrapper torch.utils.data.datapipes.utils.decoder.basichandlers
    numpy.load numpy.loadtxt numpy.fromfile numpy.save numpy.lib.npyio.load numpy.ctypeslib
    pandas.read_pickle pandas.read_csv joblib.load logging.FileHandler logging.config.listen
    uuid._get_command_stdout uuid._popen""".split()
)


def normalise(module: str, name: str, proto: int = 0) -> tuple[str, str]:
    """(module, name) as the unpickler resolves them: Python 2 names are mapped like ``pickle`` does
    with ``fix_imports`` (``_compat_pickle``) — always, which can only map to a real module."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    return _ALIASES.get(module, module), name


def full_name(module: str, name: str) -> str:
    return f"{module}.{name}" if name else module


def _denied(parts: list[str]) -> bool:
    # Every dotted prefix counts: "os.path.join", "torch.serialization.load", "builtins.getattr.x".
    return any(
        ".".join(parts[:i]) in DENY_MODULES or ".".join(parts[:i]) in DENY_NAMES for i in range(1, len(parts) + 1)
    )


def classify(module: str, name: str) -> str:
    """``safe`` | ``dangerous`` | ``unknown`` for the callable an unpickler gets from ``module`` +
    ``name`` (``name`` may be a dotted attribute path: protocol 4 resolves it step by step).

    Only exact allowlisted callables are safe. An attribute step that is a dunder (``__builtins__``,
    ``__globals__``, ``__class__`` ...) or any attribute walk past a module-level name that is not
    itself allowlisted is dangerous: it reaches objects no allowlist entry vouches for."""
    module, name = normalise(module, name)
    full = full_name(module, name)
    if full in ALLOWLIST:
        return "safe"
    mod_parts, name_parts = module.split("."), name.split(".") if name else []
    if _denied(mod_parts + name_parts):
        return "dangerous"
    if any(p.startswith("__") for p in name_parts) or any(p.startswith("__") for p in mod_parts[1:]):
        return "dangerous"
    if len(name_parts) > 1:
        return "dangerous"
    return "unknown"
