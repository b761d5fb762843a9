import { defineConfig, devices } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The server under test: the debug build that `cargo leptos build` made. It uses
// DATABASE_URL when the test command provides one, else its own embedded PostgreSQL in a
// fresh temporary directory, so the suite never touches development data.
// When E2E_BASE_URL is set (the test command starts the server itself), use that server.
const external = process.env.E2E_BASE_URL;
const port = Number(process.env.E2E_PORT ?? 3310);
const baseURL = external ?? `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), "carebase-e2e-"));

export default defineConfig({
  testDir: "./tests",
  // Generous: two browsers, the debug server and its password hashing share 2 cores.
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [["list"], ["html", { open: "never" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          // Debian's Chromium: Playwright must not download a browser of its own.
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
          ],
        },
      },
    },
  ],
  webServer: external
    ? undefined
    : {
    command: "./target/debug/server",
    cwd: "..",
    url: `${baseURL}/api/health/`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      ...(process.env as Record<string, string>),
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: "target/site",
      CAREBASE_DATA_DIR: dataDir,
      RUST_LOG: process.env.RUST_LOG ?? "warn",
      // Every test is one address (127.0.0.1) and the suite signs up many users.
      THROTTLE_SIGNUP: "100000/hour",
      THROTTLE_LOGIN_ADDRESS: "100000/15m",
      THROTTLE_REFRESH: "100000/min",
    },
  },
});
