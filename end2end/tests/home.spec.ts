import { expect, test } from "@playwright/test";
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

test("the server serves the WASM bundle, its loader and the CSS", async ({ request }) => {
  const wasm = await request.get("/pkg/carebase.wasm");
  expect(wasm.status()).toBe(200);
  expect(wasm.headers()["content-type"]).toBe("application/wasm");
  expect((await wasm.body()).subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d]));

  const js = await request.get("/pkg/carebase.js");
  expect(js.status()).toBe(200);
  expect(js.headers()["content-type"]).toContain("javascript");

  const css = await request.get("/pkg/carebase.css");
  expect(css.status()).toBe(200);
  expect(css.headers()["content-type"]).toContain("text/css");
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
