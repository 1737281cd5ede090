// Accessibility check: axe-core (WCAG 2.0/2.1/2.2 A and AA, and best practice) on HTML files
// in headless Chromium at 1280 px and 320 px (400% zoom on a 1280 px screen).
//
// usage: node scripts/axe_check.js CHROMIUM FILE.html [FILE.html ...]
// Needs axe-core and puppeteer-core (npm; puppeteer-core never downloads a browser) where
// NODE_PATH or the working folder can find them. Prints one JSON object:
// {"results": [{"file", "width", "violations": [{"id", "impact", "help", "nodes": [target...]}]}]}
const fs = require("fs");
const path = require("path");
const puppeteer = require("puppeteer-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"];
const WIDTHS = [1280, 320];

(async () => {
  const [chromium, ...files] = process.argv.slice(2);
  const browser = await puppeteer.launch({
    executablePath: chromium, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
  });
  const results = [];
  try {
    for (const file of files) {
      for (const width of WIDTHS) {
        const page = await browser.newPage();
        await page.setViewport({ width, height: 900 });
        await page.goto("file://" + path.resolve(file), { waitUntil: "load" });
        await page.addScriptTag({ content: axeSource });
        const found = await page.evaluate(async (tags) => {
          const r = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
          return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")) }));
        }, TAGS);
        results.push({ file, width, violations: found });
        await page.close();
      }
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify({ results }) + "\n");
})().catch(err => { console.error(String(err && err.stack || err)); process.exit(2); });
