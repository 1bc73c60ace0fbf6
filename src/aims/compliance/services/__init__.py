"""State changes of the compliance module, one function per change (keyword-only, actor first, atomic, ledgered)."""

from .frameworks import (  # noqa: F401
    import_framework_file, load_framework, load_mappings, load_packaged_frameworks,
)
