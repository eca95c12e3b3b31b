"""Every feature's models, imported so that `metadata` is complete (Alembic, tests)."""

# Feature model modules are imported for their side effect of registering tables.
import beian.accounts.models  # noqa: F401, E402
import beian.audit.models  # noqa: F401, E402
import beian.calendar.models  # noqa: F401, E402
import beian.documents.models  # noqa: F401, E402
import beian.facecheck.models  # noqa: F401, E402
import beian.filings.indexes  # noqa: F401, E402
import beian.filings.models  # noqa: F401, E402
import beian.notifications.models  # noqa: F401, E402
import beian.numbering.models  # noqa: F401, E402
import beian.provinces.models  # noqa: F401, E402
import beian.timers.models  # noqa: F401, E402
from beian.db import Base

metadata = Base.metadata
