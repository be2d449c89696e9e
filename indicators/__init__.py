"""The indicator and task catalog: regions, units, plans, measures and indicators from YAML.

``load_catalog()`` returns the shipped catalog (cached); see docs/architecture.md "Catalog API".
"""

from indicators.catalog import Catalog, CatalogError, Issue, check_catalog, load_catalog
from indicators.models import Dept, Indicator, Measure, Plan, Region, TargetVersion, Unit

__all__ = [
    "Catalog",
    "CatalogError",
    "Dept",
    "Indicator",
    "Issue",
    "Measure",
    "Plan",
    "Region",
    "TargetVersion",
    "Unit",
    "check_catalog",
    "load_catalog",
]
