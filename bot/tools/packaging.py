"""The Teams app package: `manifest.json` filled in from the settings, plus the two icons.

`manifest/manifest.json` is a template: `${{NAME}}` placeholders are filled in here (the app
and bot ids from `MicrosoftAppId`, the version from the project, the developer details and
public host from the settings) and the bot's command lists (`${{COMMAND_LISTS}}`) are
generated from the commands the features register (`bot.assembly.command_table`), so the
menu Teams shows can never drift from what the bot understands. Before anything is written
the result is validated against Microsoft's
published manifest schema, vendored in `manifest/schema/`, without touching the network.
"""

from __future__ import annotations

import copy
import json
import re
import struct
import tomllib
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs
from jsonschema import Draft4Validator, Draft7Validator, ValidationError, validators
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT4

from bot.assembly import command_table
from bot.commands import Command, commands_for
from bot.settings import PLACEHOLDER_WEBSITE_URL, Settings

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_DIR = ROOT / "manifest"
TEMPLATE = MANIFEST_DIR / "manifest.json"
SCHEMA_DIR = MANIFEST_DIR / "schema"
SCHEMA_FILE = SCHEMA_DIR / "MicrosoftTeams.schema.json"
SCHEMA_URL_PREFIX = "https://developer.microsoft.com/json-schemas/teams/"

# Teams' documented limits for a bot's command menu (stricter than the schema's).
MAX_COMMANDS = 10
MAX_TITLE = 32
MAX_DESCRIPTION = 128

# Icon sizes Teams requires, by the manifest's `icons` key.
ICON_SIZES = {"color": (192, 192), "outline": (32, 32)}

_PLACEHOLDER = re.compile(r"\$\{\{([A-Z0-9_]+)\}\}")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same inputs give the same zip


class PackagingError(Exception):
    """The package cannot be made; `details` says why, one line each."""

    def __init__(self, message: str, details: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.details = list(details)


# --- the schema, offline ------------------------------------------------------------------


def schema_version() -> str:
    """The manifest version of the vendored schema (its `manifestVersion` const)."""
    return _schema()["properties"]["manifestVersion"]["const"]


def schema_url() -> str:
    """Where Microsoft publishes the vendored schema; the manifest's `$schema`."""
    return f"{SCHEMA_URL_PREFIX}v{schema_version()}/{SCHEMA_FILE.name}"


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _refuse_to_fetch(uri: str) -> Resource:
    # Any $ref to a schema that is not vendored fails here instead of going to the network.
    raise NoSuchResource(ref=uri)


def _draft4_id(contents: Any) -> str | None:
    # referencing's draft-04 `id_of` assumes `id` is a string; while following a JSON pointer
    # through `properties` it can be handed a map of property schemas, and the Teams schema
    # has properties called `id` there (e.g. composeExtensions[].commands[]), so it crashes.
    if not isinstance(contents, Mapping) or "$ref" in contents:
        return None
    identifier = contents.get("id")
    if not isinstance(identifier, str) or identifier.startswith("#"):
        return None
    return identifier


_DRAFT4 = attrs.evolve(DRAFT4, id_of=_draft4_id)
_DRAFT4_URI = "http://json-schema.org/draft-04/schema#"


def _resource(contents: dict[str, Any]) -> Resource:
    if contents.get("$schema") != _DRAFT4_URI:
        return Resource.from_contents(contents)
    # Without its `$schema`, jsonschema keeps our ManifestValidator for it rather than
    # switching to plain Draft4Validator (which ignores `const` and `if`) behind a `$ref`.
    contents = {key: value for key, value in contents.items() if key != "$schema"}
    return Resource(contents=contents, specification=_DRAFT4)


@cache
def schema_registry() -> Registry:
    """Every file in manifest/schema/, under the URL Microsoft publishes it at; nothing else."""
    prefix = schema_url().rsplit("/", 1)[0]
    resources = [
        (f"{prefix}/{path.name}", _resource(json.loads(path.read_text(encoding="utf-8"))))
        for path in sorted(SCHEMA_DIR.glob("*.json"))
    ]
    return Registry(retrieve=_refuse_to_fetch).with_resources(resources)


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """`pattern`, failing closed on ECMAScript-only syntax Python's `re` cannot compile
    (the schema has one, `\\p{L}`, on Office add-in function names)."""
    if not validator.is_type(instance, "string"):
        return
    try:
        compiled = re.compile(pattern)
    except re.error:
        yield ValidationError(f"{instance!r} cannot be checked against {pattern!r} in Python")
        return
    if not compiled.search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# The schema declares draft-04 but also uses `const` (manifestVersion) and `if`/`then`, which
# Microsoft's own validator (ajv-draft-04) applies; so do we.
ManifestValidator = validators.extend(
    Draft4Validator,
    {
        "const": Draft7Validator.VALIDATORS["const"],
        "if": Draft7Validator.VALIDATORS["if"],
        "pattern": _pattern,
    },
)


def validation_errors(manifest: Mapping[str, Any]) -> list[str]:
    """Schema errors as `json path: message` lines, sorted by path; empty when valid."""
    # The schema is looked up by its published URL in the offline registry, like any `$ref`.
    validator = ManifestValidator(
        {"$ref": schema_url()},
        registry=schema_registry(),
        format_checker=Draft4Validator.FORMAT_CHECKER,
    )
    errors = sorted(validator.iter_errors(manifest), key=lambda e: [str(p) for p in e.path])
    return [f"{error.json_path}: {error.message}" for error in errors]


# --- building the manifest ----------------------------------------------------------------


def project_version() -> str:
    """The version in pyproject.toml (the checkout's), else the installed distribution's."""
    pyproject = ROOT / "pyproject.toml"
    if pyproject.is_file():
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    return metadata.version("stepforward")


def load_template() -> dict[str, Any]:
    if not TEMPLATE.is_file():
        # manifest/ is not Python package data: it is read from the source checkout.
        raise PackagingError(f"no manifest template at {TEMPLATE}: package from a source checkout")
    return json.loads(TEMPLATE.read_text(encoding="utf-8"))


def command_lists(commands: Sequence[Command], scopes: list[str]) -> list[dict[str, Any]]:
    """One command list per scope: every listed command the bot understands there, nothing
    else (an unlisted command, `Command.listed` False, is understood but not in the menu)."""
    lists = []
    problems = []
    for scope in scopes:
        listed = [command for command in commands_for(commands, scope) if command.listed]
        if len(listed) > MAX_COMMANDS:
            problems.append(f"{scope}: {len(listed)} commands, Teams shows at most {MAX_COMMANDS}")
        for command in listed:
            if len(command.name) > MAX_TITLE:
                problems.append(f"{command.name!r}: title longer than {MAX_TITLE} characters")
            if len(command.description) > MAX_DESCRIPTION:
                problems.append(
                    f"{command.name!r}: description longer than {MAX_DESCRIPTION} characters"
                )
        lists.append(
            {
                "scopes": [scope],
                "commands": [
                    {"title": command.name, "description": command.description}
                    for command in listed
                ],
            }
        )
    if problems:
        raise PackagingError("the command table does not fit Teams' command menu", problems)
    return lists


def _fill(node: Any, values: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(item, values) for item in node]
    if isinstance(node, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise PackagingError(f"manifest template: unknown placeholder ${{{{{name}}}}}")
            return values[name]

        return _PLACEHOLDER.sub(replace, node)
    return node


def build_manifest(
    settings: Settings, app_id: str, *, template: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The manifest that goes in the package (not yet validated)."""
    values = {
        "TEAMS_APP_ID": app_id,
        "BOT_ID": app_id,
        "APP_VERSION": project_version(),
        "DEVELOPER_NAME": settings.developer_name,
        "WEBSITE_URL": settings.website_url,
        "PRIVACY_URL": settings.privacy_url,
        "TERMS_URL": settings.terms_url,
        "PUBLIC_HOST": settings.public_host,
        "APP_ID_URI": settings.app_id_uri(app_id),
    }
    manifest = copy.deepcopy(dict(template or load_template()))
    for bot in manifest.get("bots", []):
        if bot.get("commandLists") == "${{COMMAND_LISTS}}":
            bot["commandLists"] = command_lists(command_table(settings), bot.get("scopes", []))
    manifest = _fill(manifest, values)
    # An unset host leaves no entry rather than an empty one, and no tab: a tab's pages and
    # its single sign-on need the address Teams loads them from.
    manifest["validDomains"] = [domain for domain in manifest.get("validDomains", []) if domain]
    if not settings.public_host:
        for key in ("configurableTabs", "staticTabs", "webApplicationInfo"):
            manifest.pop(key, None)
    return manifest


def placeholder_warnings(settings: Settings) -> list[str]:
    """Settings still at a stand-in value: fine for trying it out, not for publishing."""
    warnings = [
        f"{variable} is not set; the manifest uses the placeholder {value}"
        for variable, value in (
            ("STEPFORWARD_WEBSITE_URL", settings.website_url),
            ("STEPFORWARD_PRIVACY_URL", settings.privacy_url),
            ("STEPFORWARD_TERMS_URL", settings.terms_url),
        )
        if value.startswith(PLACEHOLDER_WEBSITE_URL)
    ]
    if not settings.public_host:
        warnings.append(
            "STEPFORWARD_PUBLIC_HOST is not set; validDomains is empty and the dashboard tabs "
            "are left out"
        )
    return warnings


# --- the zip --------------------------------------------------------------------------------


def _png_size(name: str, data: bytes) -> tuple[int, int]:
    if data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise PackagingError(f"{name} is not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _icons(manifest: Mapping[str, Any]) -> dict[str, bytes]:
    icons = {}
    for key, size in ICON_SIZES.items():
        name = manifest["icons"][key]
        path = MANIFEST_DIR / name
        if not path.is_file():
            raise PackagingError(f"icon {name} is missing from {MANIFEST_DIR}")
        data = path.read_bytes()
        if _png_size(name, data) != size:
            raise PackagingError(f"icon {name} must be {size[0]}x{size[1]} pixels")
        icons[name] = data
    return icons


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def build_package(settings: Settings, out: Path, app_id: str | None = None) -> dict[str, Any]:
    """Validate, then write the zip (manifest.json and the icons at its root) to `out`.

    Returns the manifest written. Raises PackagingError, writing nothing, when there is no app
    id, the manifest does not match the schema, or an icon is missing or the wrong size.
    """
    app_id = (app_id or settings.app_id).strip()
    if not app_id:
        raise PackagingError(
            "no app id: set MicrosoftAppId (the Azure Bot's app id) or pass --app-id"
        )
    manifest = build_manifest(settings, app_id)
    errors = validation_errors(manifest)
    if errors:
        raise PackagingError(
            f"the manifest does not match the Teams app manifest schema v{schema_version()}",
            errors,
        )
    icons = _icons(manifest)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        body = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        _add(archive, "manifest.json", body.encode("utf-8"))
        for name, data in icons.items():
            _add(archive, name, data)
    partial.replace(out)
    return manifest
