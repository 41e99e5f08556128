// Driving the Agents Playground's Teams-like page. Selectors that hold up: the message box is
// the Lexical editor, cards are `.ac-adaptiveCard`, and a bot's words are matched on `p`
// elements (plain text search would also match the chat list and the log panel).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = process.env.STEPFORWARD_E2E_ARTIFACTS || path.join(HERE, '..', 'artifacts');
const TIMEOUT = 30_000;

export class TeamsPage {
  constructor(page, journey) {
    this.page = page;
    this.journey = journey;
    this.step = 0;
  }

  /** Name the screenshots that follow after another journey, numbered from 1 again. */
  begin(journey) {
    this.journey = journey;
    this.step = 0;
  }

  get cards() {
    return this.page.locator('.ac-adaptiveCard');
  }

  /** The newest top-level card (a ShowCard's inner card is nested in its parent). */
  lastCard() {
    return this.page.locator('.ac-adaptiveCard:not(.ac-adaptiveCard .ac-adaptiveCard)').last();
  }

  async open(url) {
    await this.page.goto(url);
    await this.page.locator('[data-lexical-editor="true"][role="textbox"]').first().waitFor({ timeout: TIMEOUT });
  }

  async openChat(name) {
    await this.page.getByRole('treeitem', { name: new RegExp(name) }).click();
    await this.page.locator('[data-lexical-editor="true"][role="textbox"]').first().waitFor({ timeout: TIMEOUT });
  }

  /** Type and send; in a channel this starts a new post (the first box; replies have their own). */
  async send(text) {
    const box = this.page.locator('[data-lexical-editor="true"][role="textbox"]').first();
    await box.click();
    await box.fill(text);
    await box.press('Enter');
  }

  /**
   * Start a channel post that @mentions the bot, as Teams requires for a bot to hear a channel
   * message: type `@`, pick the bot from the typeahead list (the Playground then sends
   * `<at>Step Forward</at>` with a mention entity), add the command, press Post.
   */
  async post(text, bot = 'Step Forward') {
    const box = this.page.locator('[data-lexical-editor="true"][role="textbox"]').first();
    await box.click();
    await box.pressSequentially(`@${bot.split(' ')[0]}`);
    await this.page.locator('#typeahead-menu').getByText(bot, { exact: true }).click();
    await box.pressSequentially(` ${text}`);
    await this.page.getByRole('button', { name: 'Post', exact: true }).click();
  }

  /** Wait for a bot message or card containing `text` (a string or RegExp) and return it. */
  async reply(text) {
    const match = this.page.locator('p').filter({ hasText: text }).last();
    await match.waitFor({ timeout: TIMEOUT });
    return match;
  }

  /** Wait for a top-level card showing `text`; returns that card. */
  async card(text) {
    const card = this.page
      .locator('.ac-adaptiveCard:not(.ac-adaptiveCard .ac-adaptiveCard)')
      .filter({ has: this.page.locator('p').filter({ hasText: text }) })
      .last();
    await card.waitFor({ timeout: TIMEOUT });
    return card;
  }

  async press(card, title) {
    await card.getByRole('button', { name: title, exact: true }).last().click();
  }

  async shot(name) {
    this.step += 1;
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${this.journey}-${String(this.step).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}
