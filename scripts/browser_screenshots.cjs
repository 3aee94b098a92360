// Screenshots of the real Neo4j Browser (served by the managed server) in headless Chromium.
// Usage (from the project root, with playwright-core installed: npm install playwright-core):
//   NODE_PATH=<dir>/node_modules KGREC_HTTP_PORT=7474 KGREC_BOLT_PORT=7687 NEO4J_PASSWORD=$(cat .kgrec/instances/default/password) \
//   KGREC_USER_KEY=ml100k:1 KGREC_DATASET=ml100k node cypher/browser/screenshots.cjs docs/img
const { chromium } = require("playwright-core");
const { readFileSync, mkdtempSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

(async () => {

const out = process.argv[2] ?? "docs/img";
const http = process.env.KGREC_HTTP_PORT ?? "7474";
const bolt = process.env.KGREC_BOLT_PORT ?? "7687";
const password = process.env.NEO4J_PASSWORD;
const userKey = process.env.KGREC_USER_KEY ?? "ml100k:1";
const dataset = process.env.KGREC_DATASET ?? "ml100k";
const query = (name) => readFileSync(`cypher/browser/${name}.cypher`, "utf8")
  .split("\n").filter((l) => !l.trim().startsWith("//")).join("\n").trim();

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "kgrec-chromium-")), {
  executablePath: "/usr/bin/chromium", headless: true, viewport: { width: 1400, height: 900 },
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
         "--no-first-run", "--disable-component-update", "--disable-sync"],
});
const page = browser.pages()[0] ?? await browser.newPage();
await page.goto(`http://127.0.0.1:${http}/browser/?dbms=neo4j://127.0.0.1:${bolt}&preselectAuthMethod=basic`);
await page.waitForSelector('[data-testid="authenticationMethod"]', { timeout: 60000 });
// the credential fields render once the method is (re)selected
await page.selectOption('[data-testid="authenticationMethod"]', "NO_AUTH");
await page.selectOption('[data-testid="authenticationMethod"]', "NATIVE");
await page.waitForSelector('[data-testid="password"]', { timeout: 30000 });
await page.fill('[data-testid="username"]', "neo4j");
await page.fill('[data-testid="password"]', password);
await page.click('[data-testid="connect"]');
await page.waitForSelector('[data-testid="frame"]', { timeout: 60000 });
await page.waitForTimeout(3000);
const banner = page.locator('text=we collect information on product usage').locator('..').locator('button');
if (await banner.count()) await banner.first().click().catch(() => {});

async function run(text) {
  await page.click(".monaco-editor");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
  await page.keyboard.press("Control+Enter");
  await page.waitForTimeout(2500);
}

const STYLE = `:style
node.User { color: #C990C0; border-color: #b261a5; text-color-internal: #FFFFFF; caption: "User {id}"; diameter: 65px; }
node.Item { color: #57C7E3; border-color: #23b3d7; text-color-internal: #2A2C34; caption: "{title}"; diameter: 60px; }
node.Entity { color: #F79767; border-color: #f36924; text-color-internal: #FFFFFF; caption: "{id}"; diameter: 55px; }
relationship { caption: "<type>"; }`;

async function shot(name, paramsText, queryName) {
  await run(STYLE);
  await run(":clear");
  await run(paramsText);
  await run(":clear");
  await run(query(queryName));
  await page.waitForTimeout(3000);
  await page.screenshot({ path: `${out}/browser_${name}.png` });
  console.log(`${out}/browser_${name}.png`);
}

await shot("neighbourhood", `:param user_key => '${userKey}'`, "user_neighbourhood");
await shot("recommendations", `:params {user_key: '${userKey}', dataset: '${dataset}', k: 10}`, "recommendations");
await shot("explanations", `:params {user_key: '${userKey}', dataset: '${dataset}'}`, "explanation_paths");
await browser.close();
})().catch((err) => { console.error(err.message); process.exit(1); });
