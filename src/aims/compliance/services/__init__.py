"""State changes of the compliance module, one function per change (keyword-only, actor first, atomic, ledgered)."""

from .frameworks import (  # noqa: F401
    import_framework_file, load_framework, load_mappings, load_packaged_frameworks,
)
from .controls import (  # noqa: F401
    add_test, create_control, record_test_result, set_control_links, update_control,
)
from .readiness import refresh_readiness  # noqa: F401
from .soa import (  # noqa: F401
    approve_soa_version, return_soa_version, submit_soa_version, sync_soa_entries, update_soa_entry,
)
from .assessments import assess_requirement, close_assessment, start_assessment, take_snapshot  # noqa: F401
from .obligations import (  # noqa: F401
    EXCEPTION_APPROVAL, approve_exception, may_withdraw_exception, refuse_exception, request_exception, sync_all,
    sync_obligations, update_obligation, withdraw_exception,
)
from .policies import (  # noqa: F401
    acknowledge, approve_policy_version, create_policy, edit_draft, publish_policy_version, record_policy_review,
    return_policy_version, start_new_version, submit_policy_version, update_policy,
)
