// The configurable tab's set-up page: Teams shows it when a coordinator adds the tab to a
// channel; Save makes the dashboard page the tab's content.
'use strict';

(function () {
  const teams = window.microsoftTeams;
  const status = document.getElementById('config-status');
  const THEMES = ['default', 'dark', 'contrast'];

  function applyTheme(theme) {
    document.documentElement.dataset.theme = THEMES.includes(theme) ? theme : 'default';
  }

  if (window.parent === window || !teams) {
    status.textContent = 'Open this page from Teams, when adding the Step Forward tab to a channel.';
    return;
  }

  teams.app.initialize().then(async () => {
    const context = await teams.app.getContext();
    applyTheme(context.app.theme);
    teams.app.registerOnThemeChangeHandler(applyTheme);
    const page = new URL('./', window.location.href).href;
    teams.pages.config.registerOnSaveHandler((saveEvent) => {
      teams.pages.config
        .setConfig({
          entityId: 'stepforward-dashboard',
          contentUrl: page,
          websiteUrl: page,
          suggestedDisplayName: 'Programme dashboard',
        })
        .then(() => saveEvent.notifySuccess())
        .catch((error) => saveEvent.notifyFailure(String(error)));
    });
    teams.pages.config.setValidityState(true);
    teams.app.notifySuccess().catch(() => {});
  }).catch(() => {
    status.textContent = 'Teams did not answer. Close this window and try adding the tab again.';
  });
})();
