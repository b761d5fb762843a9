import { type APIRequestContext, expect, test } from "@playwright/test";
import { hydrated } from "./helpers";

test("the start page renders on the server with its styles", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle(/Carebase/);
  await expect(page.getByRole("heading", { level: 1, name: "Carebase" })).toBeVisible();
  // The stylesheet applies: the header is laid out by style/main.css, not browser defaults.
  const header = page.locator("header.site-header");
  await expect(header).toHaveCSS("display", "flex");
});

test("the page hydrates and a click is handled in the browser without reloading", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await expect(page.locator("leptos-island [data-hydrated='true']")).toHaveCount(1);
  // A marker on window survives only if the click does not navigate.
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  await page.getByRole("button", { name: "Check service status" }).click();
  await expect(page.getByRole("status")).toHaveText(/All systems working/);
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
});

/** The static files a page links to, by kind, as the page names them (with their hash). */
async function assets(request: APIRequestContext) {
  const html = await (await request.get("/")).text();
  const find = (ext: string) => {
    const found = html.match(new RegExp(`/pkg/carebase\\.[A-Za-z0-9_-]{22}\\.${ext}`));
    expect(found, `a hashed .${ext} in the page`).not.toBeNull();
    return found![0];
  };
  return { wasm: find("wasm"), js: find("js"), css: find("css") };
}

test("the server serves the WASM bundle, its loader and the CSS", async ({ request }) => {
  const files = await assets(request);
  const wasm = await request.get(files.wasm);
  expect(wasm.status()).toBe(200);
  expect(wasm.headers()["content-type"]).toBe("application/wasm");
  expect((await wasm.body()).subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d]));

  const js = await request.get(files.js);
  expect(js.status()).toBe(200);
  expect(js.headers()["content-type"]).toContain("javascript");

  const css = await request.get(files.css);
  expect(css.status()).toBe(200);
  expect(css.headers()["content-type"]).toContain("text/css");
});

test("static files are compressed and kept for a year under their hashed names", async ({ request }) => {
  const files = await assets(request);
  for (const path of [files.wasm, files.js, files.css]) {
    const response = await request.get(path, { headers: { "accept-encoding": "br, gzip" } });
    expect(response.status(), path).toBe(200);
    expect(response.headers()["content-encoding"], path).toMatch(/^(br|gzip)$/);
    expect(response.headers()["cache-control"], path).toBe("public, max-age=31536000, immutable");
  }
  // Without the hash in its name, a file is revalidated.
  const favicon = await request.get("/favicon.svg");
  expect(favicon.headers()["cache-control"]).toBe("no-cache");
});

test("a page is compressed, revalidated, and lets only its own scripts run", async ({ page, request }) => {
  const response = await request.get("/signin", { headers: { "accept-encoding": "br, gzip" } });
  const headers = response.headers();
  expect(headers["content-encoding"]).toMatch(/^(br|gzip)$/);
  expect(headers["cache-control"]).toBe("no-cache");
  const csp = headers["content-security-policy"];
  const nonce = csp.match(/'nonce-([A-Za-z0-9_-]+)'/)?.[1];
  expect(nonce, csp).toBeTruthy();
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).toContain("frame-ancestors 'none'");
  // The hydration script carries this response's nonce; each response gets a new one.
  expect(await response.text()).toContain(`nonce="${nonce}"`);
  const again = (await request.get("/signin")).headers()["content-security-policy"];
  expect(again).not.toBe(csp);
  expect(headers["permissions-policy"]).toContain("camera=()");
  expect(headers["x-content-type-options"]).toBe("nosniff");

  // Answers with patient data are never stored.
  const api = await request.get("/api/health/");
  expect(api.headers()["cache-control"]).toBe("no-store");

  // In the browser the policy lets the islands hydrate, and nothing is refused.
  const refused: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) refused.push(message.text());
  });
  await page.goto("/signin");
  await hydrated(page);
  expect(refused).toEqual([]);
});

test("an unknown page shows a not-found page with status 404", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("the health endpoint answers JSON", async ({ request }) => {
  const health = await request.get("/api/health/");
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });
});
