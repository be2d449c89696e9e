"""Building blocks every page uses: cached data calls, the current filters and user, tables
with an Excel download, and Chinese messages for an empty database.

Pages stay thin: inputs -> one ``data(fn, ...)`` call -> ``table(...)`` / a chart.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import streamlit as st

from dashboard.filters import Filters
import store
from accounts import access
from accounts.access import User

if TYPE_CHECKING:  # pandas comes with the first table: app.py and the login form need none
    import pandas as pd

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_RETURNS = "数据库中暂无月报数据（目前只有指标目录）。请在“数据上传”页上传月报，或运行 python -m etl demo 生成演示数据。"


BUSY_TITLE = "数据库正忙"


def busy_notice(err: Exception | None = None, key: str = "busy_retry") -> None:
    """The Chinese answer to ``store.DatabaseBusy`` (an import holds the file): wait, then retry.

    A warning, not an error: nothing is wrong and nothing was lost; the next try usually works
    (the importer gives the file up between chunks).
    """
    text = str(err) if err is not None else "另一个程序（如数据导入）正在使用数据库文件。"
    st.warning(f"**{BUSY_TITLE}**：{text.removeprefix('数据库正忙：')} 页面内容稍后即可显示，请点击“重试”。",
               icon=":material/hourglass_top:")
    if st.button("重试", key=key, type="primary", icon=":material/refresh:"):
        st.rerun()


def db() -> str:
    """The database file this process serves (``$YINGSHANG_DB`` or the default)."""
    return str(store.db_path())


_VERSION_TTL = 1.0  # seconds: one page run asks many times, one database read answers
_versions: dict[str, tuple[float, str]] = {}


def version(path: str | None = None) -> str:
    """Cache key that changes when a return or the catalog lands (re-read at most once a second)."""
    from dashboard import queries

    path = path or db()
    now = time.monotonic()
    hit = _versions.get(path)
    if hit and now - hit[0] < _VERSION_TTL:
        return hit[1]
    ver = queries.data_version(path)
    _versions[path] = (now, ver)
    return ver


def forget_version(path: str | None = None) -> None:
    """After this process wrote data (an upload), make the next page run see it at once."""
    from store import read_copy

    _versions.pop(path or db(), None)
    read_copy.wake()


# Page-data modules whose functions may read this server's copy of PostgreSQL (store.read_copy):
# they depend only on the data the copy holds, as their cache key (data_version) already assumes.
COPY_READERS = ("dashboard.queries", "dashboard.flags")


@st.cache_data(show_spinner=False, max_entries=1024)
def _call(func_path: str, path: str, ver: str, args: tuple, kwargs: tuple) -> Any:
    module_name, func_name = func_path.rsplit(".", 1)
    func = getattr(importlib.import_module(module_name), func_name)
    return func(path, *args, **dict(kwargs))


_clear_cache = _call.clear  # the cache's own: a test may replace ``_call`` with a spy
_cached_versions: dict[str, str] = {}
_prune_lock = threading.Lock()


def _current(path: str, ver: str) -> None:
    """Drop every cached result once ``path`` has a new data version: no page asks for an older
    version again, and during an import peak (a new version every few minutes, each with its
    own copy of large national results) they would fill the server's memory until 1024 entries."""
    with _prune_lock:
        old = _cached_versions.get(path)
        _cached_versions[path] = ver
        if old is not None and old != ver:
            _clear_cache()


def data(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``func(db, *args, **kwargs)`` cached on (db path, arguments, data version).

    ``func`` is a page-data function from ``dashboard.queries`` / ``dashboard.flags`` whose
    first parameter is the database. Results are copied by ``st.cache_data``, so pages may
    modify them.
    """
    from store import read_copy

    path = db()
    name, kw = f"{func.__module__}.{func.__name__}", tuple(sorted(kwargs.items()))
    copy = read_copy.for_pages(path) if func.__module__ in COPY_READERS else None
    if copy is not None and (ver := copy.version):  # read once: a failed sync may clear it
        _current(str(copy.path), ver)
        return _call(name, str(copy.path), ver, args, kw)
    ver = version(path)
    _current(path, ver)
    return _call(name, path, ver, args, kw)


def filters() -> Filters:
    """The global filters chosen in the sidebar (set by app.py before the page runs)."""
    if "filters" not in st.session_state:
        _run_through_app()
    return st.session_state["filters"]


def _run_through_app() -> None:
    """Re-run via app.py when Streamlit ran a page file on its own.

    Streamlit treats a ``pages/`` folder as a legacy multipage app until ``st.navigation``
    has been called once in the process, so a deep link (``/submissions``) opened as the
    first request after a start runs the page file without app.py. Switching that legacy
    mode off and re-running sends the same URL through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


def user() -> User:
    """The current user (set by app.py from ``dashboard.session.current_user``)."""
    if "user" not in st.session_state:
        _run_through_app()
    return st.session_state["user"]


def readable_units() -> list[str] | None:
    """The units the current user may read at unit level (None: every unit)."""
    return access.readable_units(user(), db())


def header(title: str, caption: str | None = None) -> None:
    """Page title and caption; says so when the database holds no returns yet."""
    from dashboard import queries

    st.title(title)
    if caption:
        st.caption(caption)
    if not data(queries.periods):
        st.info(NO_RETURNS, icon=":material/info:")


def table(
    df: pd.DataFrame,
    *,
    name: str,
    columns: list[str] | None = None,
    column_config: Mapping[str, Any] | None = None,
    empty: str = "暂无数据。",
    height: int | str = "auto",
    key: str | None = None,
    status: tuple[str, ...] = ("status",),
    download_label: str = "下载 Excel",
    file_name: str | None = None,
    paged: bool = True,
) -> pd.DataFrame:
    """Show ``df`` with Chinese headers and an “下载 Excel” button for the same rows; returns
    the rows shown (a long table is paged, ``pager``: the download still has every row).

    ``columns`` picks and orders the columns shown (English names); ``column_config`` is
    keyed by English names too and relabelled here. Cells of the ``status`` columns are
    coloured like the charts (达标 green, 未达标 red, …).
    """
    from dashboard import format as fmt

    if df is None or df.empty:
        st.info(empty)
        return df
    df = df.reset_index(drop=True)  # the page's rows by position, below
    shown = df[columns] if columns else df
    labels = {c: fmt.COLUMN_LABELS.get(c, c) for c in shown.columns}
    config = {labels.get(c, c): v for c, v in (column_config or {}).items() if c in labels}
    # the rows on this page (all of a short table; ``paged=False``: df is one page cut in SQL)
    part = pager(shown, key=f"pg_{key or name}") if paged else shown
    view = styled_status(part.rename(columns=labels), [labels[c] for c in status if c in labels])
    st.dataframe(view, hide_index=True, column_config=config, height=height, placeholder="—")
    st.download_button(
        download_label,
        data=lambda: _excel(shown, name),
        file_name=f"{file_name or name}.xlsx",
        mime=XLSX_MIME,
        on_click="ignore",
        icon=":material/download:",
        key=key or f"dl_{name}",
    )
    return df.loc[part.index]


def _excel(df: pd.DataFrame, name: str) -> bytes:
    """A table's Excel download, built when the button is clicked (openpyxl is imported then:
    ~0.1 s the first page would otherwise pay)."""
    from dashboard import export, queries

    return export.to_excel_bytes(df, name[:31], demo=data(queries.is_demo))


# Streamlit refuses a pandas Styler over this many cells (``styler.render.max_elements``).
STYLER_CELLS = 262_144
# Tables longer than this are shown a page at a time (the browser draws every row it is sent,
# and colouring cells costs per cell); the Excel download keeps every row.
PAGE_ROWS = 1000
PAGE_SIZES = (100, 500, 1000)


def page_sizes(n_columns: int) -> list[int]:
    """The page sizes offered for a table of ``n_columns``: each page stays under the Styler limit."""
    cap = max(1, STYLER_CELLS // max(1, n_columns))
    return [s for s in PAGE_SIZES if s <= cap] or [cap]


def page_span(n_rows: int, size: int, page: int) -> tuple[int, int, int]:
    """(first row, end row, pages) of 1-based ``page`` of ``size`` rows; ``page`` is clamped."""
    pages = max(1, -(-n_rows // size))
    page = min(max(1, page), pages)
    return (page - 1) * size, min(n_rows, page * size), pages


def page_controls(n: int, n_columns: int, *, key: str, whole_download: bool = True) -> tuple[int, int]:
    """(first row, end row) of the page chosen here for a table of ``n`` rows. When ``n`` needs
    more than one page: a 每页行数 choice, a 页码 box and a Chinese line saying which rows are
    shown and how many are not (and what the Excel download holds). For a table paged in SQL
    (``whole_download=False``: the download holds the shown page) call it before reading."""
    sizes = page_sizes(n_columns)
    if n <= min(PAGE_ROWS, sizes[-1]):
        return 0, n
    state = st.session_state
    if state.get(f"{key}_size") not in sizes:
        state[f"{key}_size"] = sizes[0]
    size = int(state[f"{key}_size"])
    first, end, pages = page_span(n, size, int(state.get(f"{key}_page") or 1))
    state[f"{key}_page"] = first // size + 1  # clamped: the rows behind the page may have shrunk

    def _first_page() -> None:
        state[f"{key}_page"] = 1

    c1, c2, c3 = st.columns([1, 1, 4], vertical_alignment="bottom")
    c1.selectbox("每页行数", sizes, key=f"{key}_size", on_change=_first_page)
    page = int(c2.number_input(f"页码（共 {pages:,} 页）", min_value=1, max_value=pages, step=1, key=f"{key}_page"))
    first, end, pages = page_span(n, size, page)
    download = (f"“下载 Excel”包含全部 {n:,} 行。" if whole_download
                else f"“下载 Excel”包含本页 {end - first:,} 行；需要全部数据请先筛选后分页下载。")
    c3.caption(f"共 {n:,} 行，本页显示第 {first + 1:,}–{end:,} 行（第 {page:,} / {pages:,} 页），"
               f"其余 {n - (end - first):,} 行未显示，可翻页查看；{download}")
    return first, end


def pager(df: pd.DataFrame, *, key: str) -> pd.DataFrame:
    """The rows of ``df`` on the page chosen in ``page_controls``; short tables come back whole."""
    first, end = page_controls(len(df), len(df.columns), key=key)
    return df.iloc[first:end]


def dataframe(df: pd.DataFrame, *, key: str, style: Callable[[pd.DataFrame], Any] | None = None,
              **kwargs: Any) -> pd.DataFrame:
    """``st.dataframe`` for any table that may grow with the database: long tables are paged
    (``pager``) and ``style`` (a function returning a pandas Styler, e.g. coloured status cells)
    is applied to the shown page only, so no Styler ever exceeds Streamlit's limit. Returns the
    rows shown."""
    part = pager(df, key=key)
    styled = style(part) if style is not None and len(part) * max(1, len(part.columns)) <= STYLER_CELLS else part
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("placeholder", "—")
    st.dataframe(styled, **kwargs)
    return part


def chart(fig: Any, key: str | None = None) -> None:
    st.plotly_chart(fig, key=key, config={"displaylogo": False, "displayModeBar": False})


def pct(value: float | None) -> str:
    import pandas as pd

    return "—" if value is None or pd.isna(value) else f"{value:.1f}%"


def query_filters(f: Filters) -> Any:
    """The sidebar filters as ``dashboard.queries.Filters`` (a quarter widens the span)."""
    from dashboard import queries
    from dashboard.filters import format_period

    quarter = format_period(f.period, "quarter") if f.grain == "quarter" else None
    return queries.Filters(period=f.month, quarter=quarter, region=f.region, unit=f.unit)


def region_names() -> dict[str, str]:
    from dashboard import queries

    regions = data(queries.regions)
    return dict(zip(regions["id"], regions["name"]))


# Above this many units in the catalog (a national one), units are listed one region at a time:
# a list of every unit in a select box, and the table behind it, cost each page run seconds.
UNITS_LISTED = 3000


def many_units() -> bool:
    """True when the catalog has too many units to list them all at once (``UNITS_LISTED``)."""
    from dashboard import queries

    return data(queries.unit_count) > UNITS_LISTED


def unit_names(region: str | None = None) -> dict[str, str]:
    """Unit id -> name, of ``region`` (read for that region alone) or of every unit."""
    from dashboard import queries

    units = data(queries.units, region) if region else data(queries.units)
    return dict(zip(units["id"], units["name"]))


def names_of(ids: list[str]) -> dict[str, str]:
    """Unit id -> name of a few units, without reading the whole unit list."""
    from dashboard import queries

    units = data(queries.units_by_id, tuple(sorted(set(ids))))
    return dict(zip(units["id"], units["name"]))


def scope_label(f: Filters) -> str:
    """范围 text for a page caption: 全部区域 / 经开区 / 经开区 · 政务服务办."""
    if f.unit:
        return names_of([f.unit]).get(f.unit, f.unit)
    if f.region:
        return region_names().get(f.region, f.region)
    return "全部区域"


def pick_unit(f: Filters, label: str = "选择单位", default: str | None = None) -> str | None:
    """The unit a single-unit page shows: the sidebar's unit, else a choice made here
    (initially ``default``, else the first unit).

    A choice made here becomes the global unit filter (and so lands in the URL).
    """
    readable = readable_units()
    region = f.region
    if readable is None and not region and many_units():  # a national catalog: one region at a time
        from dashboard import queries

        region = f.unit and next(iter(data(queries.units_by_id, (f.unit,))["region"]), None)
        region = region or next((r for r in region_names() if unit_names(r)), None)
        st.caption(f"单位较多，这里列出“{region_names().get(region, region)}”的单位；"
                   "在侧栏选择区域可列出其他区域的单位。")
    names = unit_names(region)
    if readable is not None:  # a liaison: the units they may read (their own first)
        me = user().unit
        everyone = names_of(list(readable))
        names = {u: everyone[u] for u in sorted(readable, key=lambda u: (u != me, u)) if u in everyone}
        default = f.unit or me
    if not names:
        st.info("所选区域暂无责任单位。")
        return None
    ids = list(names)
    state = st.session_state
    if f.unit in names:
        state["pick_unit"] = f.unit
    elif state.get("pick_unit") not in names:
        state["pick_unit"] = default if default in names else ids[0]

    def _to_global() -> None:
        state["f_unit"] = state["pick_unit"]

    return st.selectbox(label, ids, format_func=names.get, key="pick_unit", on_change=_to_global)


def styled_status(df: pd.DataFrame, columns: list[str]) -> Any:
    """Colour the cells of Chinese status columns (达标 green, 未达标 red …)."""
    from dashboard import format as fmt

    def colour(v: Any) -> str:
        c = fmt.STATUS_COLORS.get(v) if isinstance(v, str) else None
        return f"background-color: {c}; color: white; font-weight: 600" if c else ""

    present = [c for c in columns if c in df.columns]
    return df.style.map(colour, subset=present) if present else df


def chinese_widgets_style() -> None:
    """Chinese text for the parts of Streamlit's own widgets that have no label parameter
    (the file uploader's button and size note)."""
    limit = st.get_option("server.maxUploadSize")
    st.html(
        "<style>"
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
        "{font-size:0}"
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after'
        '{content:"选择文件";font-size:0.875rem}'
        '[data-testid="stFileUploaderDropzoneInstructions"] span{font-size:0}'
        '[data-testid="stFileUploaderDropzoneInstructions"] span::after'
        f'{{content:"或将文件拖放到此处 · 每个文件不超过 {limit} MB · 仅限 .xlsx";font-size:0.875rem}}'
        "</style>"
    )


def indicator_labels(codes: list[str], names: Mapping[str, str]) -> dict[str, str]:
    """What a selectbox shows for each indicator: its name, numbered where names repeat
    (people read names, never the indicator code)."""
    counts: dict[str, int] = {}
    seen: dict[str, int] = {}
    for c in codes:
        counts[names[c]] = counts.get(names[c], 0) + 1
    out = {}
    for c in codes:
        n = names[c]
        seen[n] = seen.get(n, 0) + 1
        out[c] = n if counts[n] == 1 else f"{n}（{seen[n]}）"
    return out


# --- a page's own filters in the address (a link shares the view) ------------------------


def url_choice(key: str, param: str, options: list | None = None, parse: Callable[[str], Any] | None = None) -> None:
    """Seed the widget ``key`` from ``?param=`` the first time the page runs in this session,
    if the value is one of ``options`` (after ``parse``); afterwards the widget leads."""
    state = st.session_state
    seeded = state.setdefault("_url_seeded", set())
    if key in seeded:
        return
    seeded.add(key)
    raw = st.query_params.get(param)
    if raw is None:
        return
    try:
        value = parse(raw) if parse else raw
    except (ValueError, TypeError):
        return
    if options is None or value in options:
        state[key] = value


def to_url(param: str, value: Any) -> None:
    """Write a page filter's choice to the address (``None`` or "" removes it)."""
    text = "" if value is None else str(value)
    if not text:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != text:
        st.query_params[param] = text
