import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import {
  E2E_DATABASE_URL,
  NO_DATABASE_REASON,
  apiUser,
  bearer,
  makeAdmin,
  newUser,
  screenshot,
  signIn,
  signUp,
  watchForErrors,
} from "./helpers";

// The admin site as an administrator uses it: the index's counts and recent actions, the
// Activity with its filters and CSV export, an account found, deactivated (with
// JavaScript) and reactivated (without), its history; everyone else gets a 403 page; axe
// on every admin page.

async function axe(page: Page, info: TestInfo, name: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`), page.url()).toEqual([]);
  await screenshot(page, info, name);
}

test("an administrator reviews activity, exports it, and deactivates and reactivates an account", async ({
  page,
  browser,
  request,
}, info) => {
  test.skip(!E2E_DATABASE_URL, NO_DATABASE_REASON);
  test.setTimeout(120_000);
  const problems = watchForErrors(page);
  // A member of staff with a patient, and an administrator who tries to open it through
  // the REST API (the staff pages keep every user to their own patients).
  const staff = await apiUser(request, "adminsite-staff");
  const created = await request.post("/api/patients/", { headers: bearer(staff), data: { name: "Ivy Watched" } });
  expect(created.status()).toBe(201);
  const patient = ((await created.json()) as { patient: { id: number } }).patient.id;
  const admin = newUser("adminsite");
  await signUp(page, admin);
  makeAdmin(admin.email);
  await signIn(page, admin);
  const refused = await page.request.get(`/api/patients/${patient}/`);
  expect(refused.status()).toBe(404);

  // The header offers the admin site to administrators.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin", exact: true }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole("heading", { level: 1, name: "Administration" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Counts" })).toContainText("Users");
  await expect(page.getByRole("region", { name: "Recent administrative actions" })).toBeVisible();
  await axe(page, info, "admin-index");

  // Activity, filtered to the refused attempt on the staff member's patient.
  await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Activity" }).click();
  await page.getByLabel("Patient id").fill(String(patient));
  await page.getByLabel("Outcome").selectOption("denied");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/outcome=denied/);
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(admin.email);
  await expect(rows.first()).toContainText("patient.read");
  await axe(page, info, "admin-activity");
  // The export has the same filters.
  const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  expect(href).toContain(`patient=${patient}`);
  const exported = await page.request.get(href!);
  expect(exported.status()).toBe(200);
  expect(exported.headers()["content-type"]).toBe("text/csv; charset=utf-8");
  const lines = (await exported.text()).trim().split("\r\n");
  expect(lines[0]).toMatch(/^id,at,actor,actor_email,action,/);
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(`,${admin.email},patient.read,patient,`);

  // Users: find the member of staff, deactivate them (with JavaScript).
  await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Users" }).click();
  await page.getByLabel("Search").fill(staff.email);
  await page.getByRole("button", { name: "Apply" }).click();
  await axe(page, info, "admin-users");
  await page.locator("main").getByRole("link", { name: staff.name }).click();
  await expect(page.getByRole("heading", { level: 1, name: staff.name })).toBeVisible();
  await page.getByRole("button", { name: "Deactivate" }).click();
  await expect(page.getByRole("status")).toHaveText("Changes saved.");
  await expect(page.locator("dl.details")).toContainText("No: cannot sign in");
  const history = page.getByRole("region", { name: "History" });
  await expect(history.locator("tbody tr").first()).toContainText("user.update (is_active)");
  await axe(page, info, "admin-user");
  const me = await request.get("/api/auth/me/", { headers: bearer(staff) });
  expect(me.status()).toBe(401);
  const accountUrl = page.url().split("?")[0];

  // Reactivated without JavaScript: the plain form posts and the page comes back.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const noJs = await plain.newPage();
  await noJs.goto("/signin");
  await noJs.getByLabel("Email").fill(admin.email);
  await noJs.getByLabel("Password").fill(admin.password);
  await noJs.getByRole("button", { name: "Sign in" }).click();
  await expect(noJs.getByRole("heading", { level: 1, name: `Welcome, ${admin.name}` })).toBeVisible();
  await noJs.goto(accountUrl);
  await noJs.getByRole("button", { name: "Reactivate" }).click();
  await expect(noJs.getByRole("status")).toHaveText("Changes saved.");
  await expect(noJs.locator("dl.details")).toContainText("Active");
  await expect(noJs.getByRole("button", { name: "Deactivate" })).toBeVisible();
  // An administrator cannot deactivate themself: the reason comes back on the page.
  await noJs.goto("/admin/users?search=" + encodeURIComponent(admin.email));
  await noJs.locator("main").getByRole("link", { name: admin.name }).click();
  await noJs.getByRole("button", { name: "Deactivate" }).click();
  await expect(noJs.getByRole("alert")).toContainText("You cannot deactivate your own account");
  await plain.close();

  expect(problems).toEqual([]);
});

test("anyone but an administrator gets a 403 page at /admin, and no Admin link", async ({ page }) => {
  const problems = watchForErrors(page);
  const staff = newUser("not-admin");
  await signUp(page, staff);
  await signIn(page, staff);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin", exact: true })).toHaveCount(0);
  for (const path of ["/admin", "/admin/users", "/admin/activity"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { level: 1, name: "Not allowed" })).toBeVisible();
    await expect(page.locator("main")).toContainText("You must be an administrator to do this.");
  }
  // Signed out: sign in first, then back.
  await page.context().clearCookies();
  await page.goto("/admin/activity");
  await expect(page).toHaveURL(/\/signin\?next=\/admin\/activity$/);
  expect(problems.filter((p) => !p.includes(": 403"))).toEqual([]);
});
