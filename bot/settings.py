"""Configuration from environment variables and an optional `.env` file.

The Bot Framework settings keep the names Azure Bot Service and its samples use
(`MicrosoftAppId`, `MicrosoftAppPassword`, ...), so an existing bot registration can be
pasted in unchanged.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import Engine

from bot.outbox.pacing import Window
from domain.health import HealthSettings
from domain.surveys import SURVEYS_DIR
from domain.working_hours import WorkingHours
from store.engine import MAX_OVERFLOW, POOL_SIZE, POOL_TIMEOUT, create_db_engine

DEFAULT_DATA_DIR = Path("var")
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_DATA_DIR / 'stepforward.db'}"
# Stand-in for the developer's web pages in the Teams manifest until the real ones are set.
PLACEHOLDER_WEBSITE_URL = "https://stepforward.example.org"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    app_id: str = Field("", validation_alias=AliasChoices("MicrosoftAppId", "app_id"))
    app_password: SecretStr = Field(
        SecretStr(""), validation_alias=AliasChoices("MicrosoftAppPassword", "app_password")
    )
    app_tenant_id: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppTenantId", "app_tenant_id")
    )
    app_type: str = Field(
        "MultiTenant", validation_alias=AliasChoices("MicrosoftAppType", "app_type")
    )
    openid_metadata_url: str = Field(
        "",
        validation_alias=AliasChoices("STEPFORWARD_OPENID_METADATA_URL", "openid_metadata_url"),
        description="Override of the Bot Framework OpenID metadata (sovereign clouds, tests).",
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL, validation_alias=AliasChoices("DATABASE_URL", "database_url")
    )
    db_pool_size: int = Field(
        POOL_SIZE,
        ge=1,
        validation_alias=AliasChoices("STEPFORWARD_DB_POOL_SIZE", "db_pool_size"),
        description="Database connections kept open per process.",
    )
    db_max_overflow: int = Field(
        MAX_OVERFLOW,
        ge=0,
        validation_alias=AliasChoices("STEPFORWARD_DB_MAX_OVERFLOW", "db_max_overflow"),
        description="Extra connections a busy process may open beyond the pool.",
    )
    db_pool_timeout: float = Field(
        POOL_TIMEOUT,
        gt=0,
        validation_alias=AliasChoices("STEPFORWARD_DB_POOL_TIMEOUT", "db_pool_timeout"),
        description="Seconds a database checkout waits for a free connection before failing.",
    )
    host: str = Field("0.0.0.0", validation_alias=AliasChoices("HOST", "host"))
    port: int = Field(3978, validation_alias=AliasChoices("PORT", "port"))
    default_time_zone: str = Field(
        "Europe/London",
        validation_alias=AliasChoices("STEPFORWARD_DEFAULT_TIMEZONE", "default_time_zone"),
    )
    coordinators: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices("STEPFORWARD_COORDINATORS", "coordinators"),
    )
    champion: str = Field("", validation_alias=AliasChoices("STEPFORWARD_CHAMPION", "champion"))
    allowed_tenants: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices("STEPFORWARD_ALLOWED_TENANTS", "allowed_tenants"),
        description="Tenant ids whose users may use the bot; empty allows any tenant.",
    )
    holidays: Annotated[list[date], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices("STEPFORWARD_HOLIDAYS", "holidays"),
        description="Comma-separated ISO dates on which no routine nudge is sent.",
    )
    workday_start: time = Field(
        time(9), validation_alias=AliasChoices("STEPFORWARD_WORKDAY_START", "workday_start")
    )
    workday_end: time = Field(
        time(17), validation_alias=AliasChoices("STEPFORWARD_WORKDAY_END", "workday_end")
    )
    sweep_interval_seconds: int = Field(
        60, validation_alias=AliasChoices("STEPFORWARD_SWEEP_SECONDS", "sweep_interval_seconds")
    )
    scheduler_enabled: bool = Field(
        True, validation_alias=AliasChoices("STEPFORWARD_SCHEDULER", "scheduler_enabled")
    )
    outbox_max_attempts: int = Field(
        6,
        ge=1,
        validation_alias=AliasChoices("STEPFORWARD_OUTBOX_MAX_ATTEMPTS", "outbox_max_attempts"),
        description="Sends of one proactive message before it is marked failed.",
    )
    outbox_retry_base_seconds: float = Field(
        30,
        gt=0,
        validation_alias=AliasChoices(
            "STEPFORWARD_OUTBOX_RETRY_SECONDS", "outbox_retry_base_seconds"
        ),
        description="First retry delay; doubles each attempt (with jitter) up to the cap.",
    )
    outbox_retry_cap_seconds: float = Field(
        3600,
        gt=0,
        validation_alias=AliasChoices(
            "STEPFORWARD_OUTBOX_RETRY_CAP_SECONDS", "outbox_retry_cap_seconds"
        ),
    )
    processed_activity_hours: float = Field(
        24,
        gt=0,
        validation_alias=AliasChoices(
            "STEPFORWARD_PROCESSED_ACTIVITY_HOURS", "processed_activity_hours"
        ),
        description="How long an activity id is remembered to ignore a repeated delivery.",
    )
    # Pacing under Teams' rate limits (see bot.outbox.pacing): "count/seconds", comma-separated.
    teams_conversation_limits: Annotated[list[Window], NoDecode] = Field(
        default_factory=lambda: [Window(7, 1), Window(8, 2), Window(60, 30), Window(1800, 3600)],
        validation_alias=AliasChoices(
            "STEPFORWARD_TEAMS_CONVERSATION_LIMITS", "teams_conversation_limits"
        ),
        description="Sends per conversation, e.g. 7/1,8/2,60/30,1800/3600.",
    )
    teams_app_limits: Annotated[list[Window], NoDecode] = Field(
        default_factory=lambda: [Window(50, 1)],
        validation_alias=AliasChoices("STEPFORWARD_TEAMS_APP_LIMITS", "teams_app_limits"),
        description="Sends by the app, all instances and conversations together, e.g. 50/1.",
    )
    pacing_max_wait_seconds: float = Field(
        10,
        ge=0,
        validation_alias=AliasChoices(
            "STEPFORWARD_PACING_MAX_WAIT_SECONDS", "pacing_max_wait_seconds"
        ),
        description="Longer waits for a send slot release the message to a later sweep.",
    )
    # Each send in flight is one message a killed instance may send twice (Teams accepted it,
    # the row does not say so yet); 8 keep 50/s here (bench/README.md, fan-out).
    dispatch_concurrency: int = Field(
        8,
        ge=1,
        validation_alias=AliasChoices("STEPFORWARD_DISPATCH_CONCURRENCY", "dispatch_concurrency"),
        description="Conversations sent to at once by this instance (at most the app limit).",
    )
    outbox_lease_seconds: float = Field(
        300,
        gt=0,
        validation_alias=AliasChoices("STEPFORWARD_OUTBOX_LEASE_SECONDS", "outbox_lease_seconds"),
        description="A claimed message whose sender died is taken over after this long.",
    )
    # Escalations to the coordinator channel.
    no_session_days: int = Field(
        45,
        ge=1,
        validation_alias=AliasChoices("STEPFORWARD_NO_SESSION_DAYS", "no_session_days"),
        description="Days without a logged session (since pairing or the last one) that stall.",
    )
    escalation_working_days: int = Field(
        2,
        ge=1,
        validation_alias=AliasChoices(
            "STEPFORWARD_ESCALATION_WORKING_DAYS", "escalation_working_days"
        ),
        description="Unacknowledged this long: posted again and sent to the champion.",
    )
    manager_answer_working_days: int = Field(
        5,
        ge=1,
        validation_alias=AliasChoices(
            "STEPFORWARD_MANAGER_ANSWER_WORKING_DAYS", "manager_answer_working_days"
        ),
        description="A line manager asked in Teams with no answer this long is reminded once; "
        "as long again, and the coordinators are told.",
    )
    # Relationship health (see domain.health for the reasoning behind the defaults).
    health_amber_days_without_session: int = Field(
        35,
        ge=1,
        validation_alias=AliasChoices(
            "STEPFORWARD_HEALTH_AMBER_DAYS_WITHOUT_SESSION", "health_amber_days_without_session"
        ),
        description="Days without a held session (or since pairing) that make a pair amber.",
    )
    health_red_days_without_session: int = Field(
        60,
        ge=1,
        validation_alias=AliasChoices(
            "STEPFORWARD_HEALTH_RED_DAYS_WITHOUT_SESSION", "health_red_days_without_session"
        ),
        description="Days without a held session (or since pairing) that make a pair red.",
    )
    health_red_missed_months_in_a_row: int = Field(
        2,
        ge=1,
        validation_alias=AliasChoices(
            "STEPFORWARD_HEALTH_RED_MISSED_MONTHS_IN_A_ROW", "health_red_missed_months_in_a_row"
        ),
        description="Latest programme months in a row without a held session: red.",
    )
    health_amber_silent_days: int = Field(
        28,
        ge=1,
        validation_alias=AliasChoices(
            "STEPFORWARD_HEALTH_AMBER_SILENT_DAYS", "health_amber_silent_days"
        ),
        description="Days a person has answered none of the bot's questions: amber.",
    )
    health_red_silent_days: int = Field(
        42,
        ge=1,
        validation_alias=AliasChoices(
            "STEPFORWARD_HEALTH_RED_SILENT_DAYS", "health_red_silent_days"
        ),
        description="Days a person has answered none of the bot's questions: red.",
    )
    health_amber_unanswered_nudges: int = Field(
        2,
        ge=1,
        validation_alias=AliasChoices(
            "STEPFORWARD_HEALTH_AMBER_UNANSWERED_NUDGES", "health_amber_unanswered_nudges"
        ),
        description="Routine questions in a row a person left unanswered: amber.",
    )
    health_red_unanswered_nudges: int = Field(
        3,
        ge=1,
        validation_alias=AliasChoices(
            "STEPFORWARD_HEALTH_RED_UNANSWERED_NUDGES", "health_red_unanswered_nudges"
        ),
        description="Routine questions in a row unanswered: red, and not responding.",
    )
    health_low_pulse: int = Field(
        2,
        ge=1,
        le=5,
        validation_alias=AliasChoices("STEPFORWARD_HEALTH_LOW_PULSE", "health_low_pulse"),
        description="A pulse rating (1-5) at or below this from either side makes the pair amber.",
    )
    health_pulse_gap: int = Field(
        2,
        ge=1,
        le=4,
        validation_alias=AliasChoices("STEPFORWARD_HEALTH_PULSE_GAP", "health_pulse_gap"),
        description="The two sides' pulse ratings this far apart or more make the pair amber.",
    )
    health_re_engage_every_days: int = Field(
        30,
        ge=1,
        le=365,
        validation_alias=AliasChoices(
            "STEPFORWARD_HEALTH_RE_ENGAGE_EVERY_DAYS", "health_re_engage_every_days"
        ),
        description="A pair turning amber gets its re-engagement messages at most once in "
        "this many days.",
    )
    # Optional Microsoft Graph, app-only (client credentials): see bot.graph.
    graph_tenant_id: str = Field(
        "", validation_alias=AliasChoices("STEPFORWARD_GRAPH_TENANT_ID", "graph_tenant_id")
    )
    graph_client_id: str = Field(
        "", validation_alias=AliasChoices("STEPFORWARD_GRAPH_CLIENT_ID", "graph_client_id")
    )
    graph_client_secret: SecretStr = Field(
        SecretStr(""),
        validation_alias=AliasChoices("STEPFORWARD_GRAPH_CLIENT_SECRET", "graph_client_secret"),
    )
    graph_authority_host: str = Field(
        "https://login.microsoftonline.com",
        validation_alias=AliasChoices("STEPFORWARD_GRAPH_AUTHORITY_HOST", "graph_authority_host"),
    )
    graph_base_url: str = Field(
        "https://graph.microsoft.com/v1.0",
        validation_alias=AliasChoices("STEPFORWARD_GRAPH_BASE_URL", "graph_base_url"),
    )
    graph_ca_bundle: str = Field(
        "",
        validation_alias=AliasChoices("STEPFORWARD_GRAPH_CA_BUNDLE", "graph_ca_bundle"),
        description="A CA bundle to trust for the token service and Graph (e.g. a TLS proxy).",
    )
    graph_timeout_seconds: float = Field(
        10,
        gt=0,
        validation_alias=AliasChoices("STEPFORWARD_GRAPH_TIMEOUT_SECONDS", "graph_timeout_seconds"),
        description="How long one Graph or token request may take before it counts as failed.",
    )
    graph_max_attempts: int = Field(
        3,
        ge=1,
        validation_alias=AliasChoices("STEPFORWARD_GRAPH_MAX_ATTEMPTS", "graph_max_attempts"),
        description="Tries of one Graph call that was throttled or failed on Graph's side.",
    )
    graph_retry_base_seconds: float = Field(
        1,
        ge=0,
        validation_alias=AliasChoices(
            "STEPFORWARD_GRAPH_RETRY_SECONDS", "graph_retry_base_seconds"
        ),
        description="First wait before another try; doubles (with jitter) each try.",
    )
    graph_retry_cap_seconds: float = Field(
        30,
        ge=0,
        validation_alias=AliasChoices(
            "STEPFORWARD_GRAPH_RETRY_CAP_SECONDS", "graph_retry_cap_seconds"
        ),
        description="Longest wait between tries; a longer Retry-After ends the tries.",
    )
    teams_app_catalog_id: str = Field(
        "",
        validation_alias=AliasChoices("STEPFORWARD_TEAMS_APP_CATALOG_ID", "teams_app_catalog_id"),
        description="The app's id in the organisation's Teams app catalog (to install it).",
    )
    graph_calendars: bool = Field(
        True,
        validation_alias=AliasChoices("STEPFORWARD_GRAPH_CALENDARS", "graph_calendars"),
        description="With Graph: offer times from both calendars and book Teams meetings.",
    )
    graph_attendance: bool = Field(
        True,
        validation_alias=AliasChoices("STEPFORWARD_GRAPH_ATTENDANCE", "graph_attendance"),
        description="With Graph: verify a booked session from the meeting's attendance.",
    )
    log_level: str = Field("INFO", validation_alias=AliasChoices("LOG_LEVEL", "log_level"))

    # Surveys and reports.
    surveys_dir: Path = Field(
        SURVEYS_DIR,
        validation_alias=AliasChoices("STEPFORWARD_SURVEYS_DIR", "surveys_dir"),
        description="Folder of survey definitions (one JSON file per survey).",
    )
    public_url: str = Field(
        "http://127.0.0.1:3978",
        validation_alias=AliasChoices("STEPFORWARD_PUBLIC_URL", "public_url"),
        description="Base URL people's Teams clients reach the bot at (chart and export links).",
    )
    link_hours: int = Field(
        24,
        validation_alias=AliasChoices("STEPFORWARD_LINK_HOURS", "link_hours"),
        description="How long a chart or export link works.",
    )

    # The Teams app package (`stepforward package`): what the manifest says about the app.
    public_host: str = Field(
        "",
        validation_alias=AliasChoices("STEPFORWARD_PUBLIC_HOST", "public_host"),
        description="Host name the bot is reached at (the manifest's validDomains).",
    )
    developer_name: str = Field(
        "Step Forward",
        validation_alias=AliasChoices("STEPFORWARD_DEVELOPER_NAME", "developer_name"),
    )
    website_url: str = Field(
        PLACEHOLDER_WEBSITE_URL,
        validation_alias=AliasChoices("STEPFORWARD_WEBSITE_URL", "website_url"),
    )
    privacy_url: str = Field(
        f"{PLACEHOLDER_WEBSITE_URL}/privacy",
        validation_alias=AliasChoices("STEPFORWARD_PRIVACY_URL", "privacy_url"),
    )
    terms_url: str = Field(
        f"{PLACEHOLDER_WEBSITE_URL}/terms",
        validation_alias=AliasChoices("STEPFORWARD_TERMS_URL", "terms_url"),
    )

    # The coordinators' dashboard (`bot.dashboard`): a Teams tab, or a signed link outside Teams.
    tab_app_id_uri: str = Field(
        "",
        validation_alias=AliasChoices("STEPFORWARD_APP_ID_URI", "tab_app_id_uri"),
        description="The app's Application ID URI; default api://<public host>/<app id>.",
    )
    tab_sso_keys_url: str = Field(
        "https://login.microsoftonline.com/common/discovery/v2.0/keys",
        validation_alias=AliasChoices("STEPFORWARD_TAB_SSO_KEYS_URL", "tab_sso_keys_url"),
        description="The keys (JWKS) Microsoft Entra signs tab sign-in tokens with.",
    )
    dashboard_link_minutes: int = Field(
        60,
        ge=1,
        validation_alias=AliasChoices(
            "STEPFORWARD_DASHBOARD_LINK_MINUTES", "dashboard_link_minutes"
        ),
        description="How long a dashboard link from the `dashboard` command works.",
    )
    dashboard_link_secret: SecretStr = Field(
        SecretStr(""),
        validation_alias=AliasChoices("STEPFORWARD_DASHBOARD_LINK_SECRET", "dashboard_link_secret"),
        description="Key that signs dashboard links (the same on every instance).",
    )

    @field_validator("public_host", mode="before")
    @classmethod
    def _bare_host(cls, value: object) -> object:
        """Accept `https://bot.example.org/api/messages` as well as `bot.example.org`."""
        if isinstance(value, str):
            host = value.strip().split("://", 1)[-1]
            return host.split("/", 1)[0]
        return value

    @field_validator("holidays", mode="before")
    @classmethod
    def _split_dates(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("teams_conversation_limits", "teams_app_limits", mode="before")
    @classmethod
    def _parse_windows(cls, value: object) -> object:
        if isinstance(value, str):
            return [Window.parse(part.strip()) for part in value.split(",") if part.strip()]
        return value

    @field_validator("coordinators", "allowed_tenants", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def auth_enabled(self) -> bool:
        return bool(self.app_id)

    def app_id_uri(self, app_id: str | None = None) -> str:
        """The Application ID URI tab sign-in tokens are issued for: `STEPFORWARD_APP_ID_URI`,
        else api://<public host>/<app id> (empty while either is unknown)."""
        if self.tab_app_id_uri:
            return self.tab_app_id_uri
        app_id = app_id if app_id is not None else self.app_id
        return f"api://{self.public_host}/{app_id}" if self.public_host and app_id else ""

    def create_engine(self) -> Engine:
        """The database engine these settings describe (URL and connection pool)."""
        return create_db_engine(
            self.database_url, self.db_pool_size, self.db_max_overflow, self.db_pool_timeout
        )


def working_hours_of(settings: Settings) -> WorkingHours:
    """The configured working day and holidays (the same for everyone; zones differ), as the
    nudge policy reads them."""
    return WorkingHours(
        start=settings.workday_start,
        end=settings.workday_end,
        holidays=frozenset(settings.holidays),
    )


def health_settings_of(settings: Settings) -> HealthSettings:
    return HealthSettings(
        amber_days_without_session=settings.health_amber_days_without_session,
        red_days_without_session=settings.health_red_days_without_session,
        red_missed_months_in_a_row=settings.health_red_missed_months_in_a_row,
        amber_silent_days=settings.health_amber_silent_days,
        red_silent_days=settings.health_red_silent_days,
        amber_unanswered_nudges=settings.health_amber_unanswered_nudges,
        red_unanswered_nudges=settings.health_red_unanswered_nudges,
        low_pulse=settings.health_low_pulse,
        pulse_gap=settings.health_pulse_gap,
        re_engage_every_days=settings.health_re_engage_every_days,
    )
