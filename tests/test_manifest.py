"""The Teams app package: `stepforward package`, the manifest, its schema and the icons."""

from __future__ import annotations

import importlib.util
import io
import json
import socket
import tomllib
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from referencing.exceptions import Unresolvable

from bot import cli
from bot.assembly import command_table
from bot.commands import PERSONAL, TEAM, Command, parse
from bot.settings import Settings
from bot.tools import packaging
from domain.authorisation import Action

APP_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
# The commands the bot registers, as `stepforward package` reads them.
COMMANDS = command_table(Settings(_env_file=None))
ROOT = Path(__file__).resolve().parent.parent
PACKAGE_ENV = (
    "MicrosoftAppId",
    "STEPFORWARD_APP_ID_URI",
    "STEPFORWARD_PUBLIC_HOST",
    "STEPFORWARD_DEVELOPER_NAME",
    "STEPFORWARD_WEBSITE_URL",
    "STEPFORWARD_PRIVACY_URL",
    "STEPFORWARD_TERMS_URL",
)


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment in an empty folder (so no developer's `.env` is read)."""
    for name in PACKAGE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def package(tmp_path, *args: str) -> tuple[int, Path]:
    out = tmp_path / "out" / "appPackage.zip"
    return cli.main(["package", "--out", str(out), *args]), out


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def packaged(capsys, env, tmp_path) -> dict[str, bytes]:
    env.setenv("MicrosoftAppId", APP_ID)
    env.setenv("STEPFORWARD_PUBLIC_HOST", "https://stepforward.contoso.org/api/messages")
    env.setenv("STEPFORWARD_DEVELOPER_NAME", "Contoso People Team")
    env.setenv("STEPFORWARD_WEBSITE_URL", "https://contoso.org/stepforward")
    env.setenv("STEPFORWARD_PRIVACY_URL", "https://contoso.org/stepforward/privacy")
    env.setenv("STEPFORWARD_TERMS_URL", "https://contoso.org/stepforward/terms")
    code, out = package(tmp_path)
    assert code == 0
    return read_zip(out)


@pytest.fixture
def manifest(packaged) -> dict:
    return json.loads(packaged["manifest.json"].decode("utf-8"))


def test_package_holds_exactly_the_manifest_and_the_icons(packaged, capsys):
    assert sorted(packaged) == ["color.png", "manifest.json", "outline.png"]
    assert packaged["color.png"] == (ROOT / "manifest" / "color.png").read_bytes()
    assert packaged["outline.png"] == (ROOT / "manifest" / "outline.png").read_bytes()
    out = capsys.readouterr()
    assert f"Teams app {APP_ID} version" in out.out
    assert "warning" not in out.err  # every developer setting was given


def test_packaged_manifest_validates_against_the_official_schema(manifest):
    assert packaging.validation_errors(manifest) == []
    schema = json.loads(packaging.SCHEMA_FILE.read_text(encoding="utf-8"))
    assert manifest["manifestVersion"] == schema["properties"]["manifestVersion"]["const"]
    assert tuple(int(part) for part in manifest["manifestVersion"].split(".")) >= (1, 22)
    assert manifest["$schema"] == (
        "https://developer.microsoft.com/json-schemas/teams/"
        f"v{manifest['manifestVersion']}/MicrosoftTeams.schema.json"
    )


def test_the_app_id_bot_id_and_settings_are_filled_in(manifest, packaged):
    assert "${{" not in packaged["manifest.json"].decode("utf-8")
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == [PERSONAL, TEAM]
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False
    assert manifest["developer"] == {
        "name": "Contoso People Team",
        "websiteUrl": "https://contoso.org/stepforward",
        "privacyUrl": "https://contoso.org/stepforward/privacy",
        "termsOfUseUrl": "https://contoso.org/stepforward/terms",
    }
    assert manifest["validDomains"] == ["stepforward.contoso.org"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert manifest["version"] == pyproject["project"]["version"]
    assert manifest["name"]["short"] == "Step Forward"
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_the_dashboard_is_a_channel_tab_and_a_personal_tab_with_single_sign_on(manifest):
    base = "https://stepforward.contoso.org/dashboard"
    assert manifest["configurableTabs"] == [
        {
            "id": "stepforward-dashboard",
            "configurationUrl": f"{base}/config",
            "canUpdateConfiguration": False,
            "scopes": ["team"],
            "context": ["channelTab"],
        }
    ]
    conversations, dashboard = manifest["staticTabs"]
    assert conversations == {"entityId": "conversations", "scopes": ["personal"]}
    assert dashboard == {
        "entityId": "stepforward-dashboard",
        "name": "Dashboard",
        "contentUrl": f"{base}/",
        "websiteUrl": f"{base}/",
        "scopes": ["personal"],
    }
    assert manifest["webApplicationInfo"] == {
        "id": APP_ID,
        "resource": f"api://stepforward.contoso.org/{APP_ID}",
    }


async def test_the_tab_pages_in_the_manifest_are_served_by_the_bot(manifest, db_url, clock):
    from aiohttp.test_utils import TestClient, TestServer

    from bot.app import create_app

    app = create_app(Settings(_env_file=None, database_url=db_url), clock=clock)
    async with TestClient(TestServer(app)) as client:
        for url in (
            manifest["configurableTabs"][0]["configurationUrl"],
            manifest["staticTabs"][1]["contentUrl"],
        ):
            path = url.removeprefix("https://stepforward.contoso.org")
            response = await client.get(path)
            assert response.status == 200 and response.content_type == "text/html", path


def test_a_configured_application_id_uri_is_the_sign_in_resource(env, tmp_path):
    env.setenv("MicrosoftAppId", APP_ID)
    env.setenv("STEPFORWARD_PUBLIC_HOST", "stepforward.contoso.org")
    env.setenv("STEPFORWARD_APP_ID_URI", f"api://contoso.org/stepforward/{APP_ID}")
    code, out = package(tmp_path)
    assert code == 0
    manifest = json.loads(read_zip(out)["manifest.json"])
    assert manifest["webApplicationInfo"]["resource"] == f"api://contoso.org/stepforward/{APP_ID}"


def test_app_id_option_overrides_the_setting(env, tmp_path):
    other = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"
    env.setenv("MicrosoftAppId", APP_ID)
    code, out = package(tmp_path, "--app-id", other)
    assert code == 0
    manifest = json.loads(read_zip(out)["manifest.json"])
    assert manifest["id"] == other
    assert manifest["bots"][0]["botId"] == other


def _expected_commands(scope: str) -> list[dict[str, str]]:
    return [
        {"title": command.name, "description": command.description}
        for command in COMMANDS
        if scope in command.scopes and command.listed
    ]


@pytest.mark.parametrize("scope", [PERSONAL, TEAM])
def test_command_list_is_exactly_what_the_bot_understands_there(manifest, scope):
    lists = manifest["bots"][0]["commandLists"]
    [command_list] = [entry for entry in lists if scope in entry["scopes"]]
    assert command_list["scopes"] == [scope]
    assert command_list["commands"] == _expected_commands(scope)
    # Teams' limits for a bot's command menu.
    assert len(command_list["commands"]) <= 10
    for command in command_list["commands"]:
        assert len(command["title"]) <= 32
        assert len(command["description"]) <= 128


def test_every_command_is_listed_in_each_of_its_scopes_and_no_other(manifest):
    lists = manifest["bots"][0]["commandLists"]
    assert sorted(scope for entry in lists for scope in entry["scopes"]) == [PERSONAL, TEAM]
    for command in COMMANDS:
        listed_in = {
            scope
            for entry in lists
            for scope in entry["scopes"]
            if command.name in [c["title"] for c in entry["commands"]]
        }
        assert listed_in == (set(command.scopes) if command.listed else set()), command.name


def test_unlisted_commands_are_few_and_still_understood():
    """Only what does not fit Teams' menu of 10 is left out of it, and the bot still
    understands it (and `help` shows it)."""
    for scope in (PERSONAL, TEAM):
        commands = [c for c in COMMANDS if scope in c.scopes]
        listed = [c for c in commands if c.listed]
        assert len(listed) == min(10, len(commands)), scope
        for command in commands:
            said = command.name + (" something" if command.takes_argument else "")
            parsed = parse(said, scope, COMMANDS)
            assert parsed is not None and parsed.command == command, command.name


def test_a_command_table_beyond_teams_limits_is_refused(monkeypatch):
    many = [Command(f"command {n}", "Does a thing", (TEAM,), Action.HELP) for n in range(11)]
    long = [Command("x" * 33, "y" * 129, (PERSONAL,), Action.HELP)]
    with pytest.raises(packaging.PackagingError) as refused:
        packaging.command_lists(many + long, [PERSONAL, TEAM])
    assert refused.value.details == [
        f"'{'x' * 33}': title longer than 32 characters",
        f"'{'x' * 33}': description longer than 128 characters",
        "team: 11 commands, Teams shows at most 10",
    ]


def test_the_template_leaves_the_command_lists_to_the_command_table():
    template = packaging.load_template()
    [bot] = template["bots"]
    assert bot["scopes"] == [PERSONAL, TEAM]
    assert bot["commandLists"] == "${{COMMAND_LISTS}}"
    assert template["$schema"] == packaging.schema_url()


def test_a_broken_manifest_fails_with_readable_errors(env):
    manifest = packaging.build_manifest(Settings(_env_file=None), APP_ID)
    manifest["accentColor"] = "teal"
    manifest["manifestVersion"] = "1.21"
    del manifest["developer"]["privacyUrl"]
    manifest["bots"][0]["scopes"] = ["personal", "everywhere"]
    manifest["unexpected"] = True

    errors = packaging.validation_errors(manifest)

    assert "$.accentColor: 'teal' does not match '^#[0-9a-fA-F]{6}$'" in errors
    assert "$.developer: 'privacyUrl' is a required property" in errors
    assert f"$.manifestVersion: '{packaging.schema_version()}' was expected" in errors
    assert any(error.startswith("$.bots[0].scopes[1]: 'everywhere'") for error in errors)
    assert "$: Additional properties are not allowed ('unexpected' was unexpected)" in errors


def test_references_inside_the_schema_are_followed(env):
    """`bots[].configuration.team` is a `$ref` into composeExtensions, through a `properties`
    map with a property called `id` (which trips referencing's own draft-04 handling)."""
    manifest = packaging.build_manifest(Settings(_env_file=None), APP_ID)
    manifest["bots"][0]["configuration"] = {"team": {"fetchTask": "yes"}}
    assert packaging.validation_errors(manifest) == [
        "$.bots[0].configuration.team.fetchTask: 'yes' is not of type 'boolean'"
    ]
    manifest["bots"][0]["configuration"] = {"team": {"fetchTask": True}}
    assert packaging.validation_errors(manifest) == []


def test_package_refuses_an_invalid_manifest_and_prints_the_paths(env, tmp_path, capsys):
    env.setenv("MicrosoftAppId", APP_ID)
    env.setenv("STEPFORWARD_PRIVACY_URL", "privacy.html")
    env.setenv("STEPFORWARD_DEVELOPER_NAME", "An organisation with a very long name indeed")
    code, out = package(tmp_path)
    assert code == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "does not match the Teams app manifest schema" in err
    assert "$.developer.privacyUrl: 'privacy.html' does not match" in err
    assert "$.developer.name: 'An organisation with a very long name indeed' is too long" in err


def test_an_app_id_that_is_not_a_guid_is_refused(env, tmp_path, capsys):
    code, out = package(tmp_path, "--app-id", "my-bot")
    assert code == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "$.id: 'my-bot' does not match" in err
    assert "$.bots[0].botId: 'my-bot' does not match" in err


def test_package_refuses_without_an_app_id(env, tmp_path, capsys):
    code, out = package(tmp_path)
    assert code == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "MicrosoftAppId" in err
    assert "--app-id" in err


def test_placeholder_developer_pages_are_packaged_with_a_warning(env, tmp_path, capsys):
    code, out = package(tmp_path, "--app-id", APP_ID)
    assert code == 0
    manifest = json.loads(read_zip(out)["manifest.json"])
    assert manifest["validDomains"] == []
    # Without the public address there is no page for a tab to show, nor to sign in to.
    assert not {"configurableTabs", "staticTabs", "webApplicationInfo"} & set(manifest)
    assert manifest["developer"]["name"] == "Step Forward"
    err = capsys.readouterr().err
    for variable in ("WEBSITE_URL", "PRIVACY_URL", "TERMS_URL", "PUBLIC_HOST"):
        assert f"warning: STEPFORWARD_{variable} is not set" in err
    assert "the dashboard tabs are left out" in err


def test_the_package_is_reproducible(env, tmp_path):
    env.setenv("MicrosoftAppId", APP_ID)
    first = tmp_path / "first.zip"
    second = tmp_path / "second.zip"
    assert cli.main(["package", "--out", str(first)]) == 0
    assert cli.main(["package", "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()


# --- validation is offline --------------------------------------------------------------------


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_every_schema_reference_resolves_from_the_vendored_files():
    schema = json.loads(packaging.SCHEMA_FILE.read_text(encoding="utf-8"))
    resolver = packaging.schema_registry().resolver(base_uri=packaging.schema_url())
    refs = set(_refs(schema))
    assert refs
    for ref in refs:
        resolver.lookup(ref)  # raises if it would need anything not vendored


def test_a_reference_to_an_unvendored_schema_is_refused_not_fetched(env):
    def no_network(*args, **kwargs):
        raise AssertionError("validation tried to use the network")

    env.setattr(socket.socket, "connect", no_network)
    env.setattr(socket, "create_connection", no_network)
    resolver = packaging.schema_registry().resolver()
    with pytest.raises(Unresolvable):
        resolver.lookup("https://developer.microsoft.com/json-schemas/teams/v9.9/x.json")
    # And a full validation runs with the network unplugged.
    manifest = packaging.build_manifest(Settings(_env_file=None), APP_ID)
    assert packaging.validation_errors(manifest) == []


# --- icons ----------------------------------------------------------------------------------


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _pixels(image: Image.Image) -> list:
    width, height = image.size
    return [image.getpixel((x, y)) for y in range(height) for x in range(width)]


def test_colour_icon_is_192_square_and_in_colour(packaged):
    icon = _image(packaged["color.png"])
    assert icon.format == "PNG"
    assert icon.size == (192, 192)
    assert icon.mode in ("RGB", "RGBA")
    colours = {pixel[:3] for pixel in _pixels(icon)}
    assert len(colours) > 2  # a mark on a background, not a blank square


def test_outline_icon_is_32_square_white_on_transparent(packaged):
    icon = _image(packaged["outline.png"])
    assert icon.format == "PNG"
    assert icon.size == (32, 32)
    assert icon.mode == "RGBA"
    pixels = _pixels(icon)
    for red, green, blue, alpha in pixels:
        assert alpha == 0 or (red, green, blue) == (255, 255, 255)
    assert any(alpha == 255 for *_, alpha in pixels)  # there is a mark
    assert any(alpha == 0 for *_, alpha in pixels)  # on a transparent background


def test_committed_icons_are_what_the_script_draws():
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "manifest" / "make_icons.py")
    make_icons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_icons)
    accent = packaging.load_template()["accentColor"]
    for committed, drawn in (
        ("color.png", make_icons.color_icon(accent)),
        ("outline.png", make_icons.outline_icon()),
    ):
        image = _image((ROOT / "manifest" / committed).read_bytes())
        assert image.mode == drawn.mode, committed
        # A little slack for resampling differences between Pillow versions.
        extrema = ImageChops.difference(image, drawn).getextrema()
        assert max(high for _low, high in extrema) <= 8, committed
