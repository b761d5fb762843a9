import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { spawnSync } from "node:child_process";
import {
  E2E_DATABASE_URL,
  NO_DATABASE_REASON,
  apiCreateDoctor,
  apiUser,
  bearer,
  hydrated,
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
  for (const path of ["/admin", "/admin/users", "/admin/users/new", "/admin/patients", "/admin/doctors/1", "/admin/assignments", "/admin/patients/delete?ids=1", "/admin/activity"]) {
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

test("a superuser changes another user's patient on the admin site, sees it in the history, and deletes what was selected", async ({
  page,
  browser,
  request,
}, info) => {
  test.skip(!E2E_DATABASE_URL, NO_DATABASE_REASON);
  test.setTimeout(120_000);
  // The administrator, made as the README says: the server's own command.
  const admin = newUser("records-admin");
  const created = spawnSync(
    "../target/debug/server",
    ["createsuperuser", "--no-input", "--name", admin.name, "--email", admin.email],
    {
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: E2E_DATABASE_URL, CAREBASE_SUPERUSER_PASSWORD: admin.password, RUST_LOG: "error" },
    },
  );
  expect(created.status, `${created.stdout}${created.stderr}`).toBe(0);

  // A member of staff with a patient who has a doctor.
  const staff = await apiUser(request, "records-staff");
  const suffix = Math.random().toString(36).slice(2, 7);
  const original = `Olive Original ${suffix}`;
  const made = await request.post("/api/patients/", { headers: bearer(staff), data: { name: original, blood_group: "A+" } });
  expect(made.status()).toBe(201);
  const patient = ((await made.json()) as { patient: { id: number } }).patient.id;
  const doctor = await apiCreateDoctor(request, staff, `Records Doctor ${suffix}`);
  const assigned = await request.post("/api/mappings/", { headers: bearer(staff), data: { patient, doctor } });
  expect(assigned.status()).toBe(201);

  const problems = watchForErrors(page);
  await signIn(page, admin);
  await page.goto("/admin");
  await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Patients" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Patients" })).toBeVisible();
  await page.getByLabel("Search").fill(original);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await expect(page.locator("tbody tr").first()).toContainText(staff.email);
  await axe(page, info, "admin-patients");

  // Change the name with the same form (and rules) as the staff pages.
  await page.locator("main").getByRole("link", { name: original }).click();
  await expect(page.getByRole("heading", { level: 1, name: original })).toBeVisible();
  await expect(page.locator("main")).toContainText(staff.email);
  await expect(page.getByRole("region", { name: "Doctors assigned to this patient" })).toContainText(`Records Doctor ${suffix}`);
  await hydrated(page);
  await page.getByLabel("Date of birth").fill("2999-01-01");
  await page.getByRole("button", { name: "Save patient" }).click();
  await expect(page.locator("main")).toContainText("Date of birth cannot be in the future.");
  const changed = `Olive Changed ${suffix}`;
  await page.getByLabel("Date of birth").fill("");
  await page.getByLabel("Full name").fill(changed);
  await page.getByRole("button", { name: "Save patient" }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/patients/${patient}\\?notice=updated$`));
  await expect(page.getByRole("status")).toHaveText("Changes saved.");
  await expect(page.getByRole("heading", { level: 1, name: changed })).toBeVisible();
  const history = page.getByRole("region", { name: "History" });
  // Newest first: this page's own read, then the change.
  await expect(history.locator("tbody tr").first()).toContainText("patient.read");
  const change = history.locator("tbody tr", { hasText: "patient.update (name)" });
  await expect(change).toHaveCount(1);
  await expect(change).toContainText(admin.email);
  await axe(page, info, "admin-patient");

  // The owner sees who changed their patient.
  const seen = await request.get(`/api/audit/?patient=${patient}&action=patient.update`, { headers: bearer(staff) });
  const trail = (await seen.json()) as { results: { actor_email: string }[] };
  expect(trail.results.map((e) => e.actor_email)).toEqual([admin.email]);
  // The administrator's own staff list still holds only their own patients.
  await page.goto("/patients");
  await expect(page.locator("main")).not.toContainText(changed);

  // Delete the assignment, selected on the list; the confirmation says what goes.
  await page.goto(`/admin/assignments?patient=${patient}`);
  await page.getByRole("checkbox", { name: `Select Dr. Records Doctor ${suffix} for ${changed}` }).check();
  await page.getByRole("button", { name: "Delete selected assignments…" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Delete 1 assignment?" })).toBeVisible();
  await axe(page, info, "admin-delete-confirmation");
  await page.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page).toHaveURL(/\/admin\/assignments\?notice=deleted&deleted=1$/);
  await expect(page.getByRole("status")).toHaveText("Deleted 1 assignment.");
  await page.goto("/admin/doctors");
  await axe(page, info, "admin-doctors");
  expect(problems).toEqual([]);

  // Without JavaScript: the patient's deletion, confirmed with a plain form.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const noJs = await plain.newPage();
  await noJs.goto("/signin");
  await noJs.getByLabel("Email").fill(admin.email);
  await noJs.getByLabel("Password").fill(admin.password);
  await noJs.getByRole("button", { name: "Sign in" }).click();
  await expect(noJs.getByRole("heading", { level: 1, name: `Welcome, ${admin.name}` })).toBeVisible();
  await noJs.goto(`/admin/patients/${patient}`);
  await noJs.getByRole("link", { name: "Delete", exact: true }).click();
  await expect(noJs.getByRole("heading", { level: 1, name: "Delete 1 patient?" })).toBeVisible();
  await expect(noJs.locator("main")).toContainText(`${changed} (of ${staff.email})`);
  await noJs.getByRole("button", { name: "Yes, delete" }).click();
  await expect(noJs).toHaveURL(/\/admin\/patients\?notice=deleted&deleted=1$/);
  await expect(noJs.getByRole("status")).toHaveText("Deleted 1 patient.");
  const gone = await request.get(`/api/patients/${patient}/`, { headers: bearer(staff) });
  expect(gone.status()).toBe(404);

  // An account added on the admin site, without JavaScript, signs in.
  const added = newUser("records-added");
  await noJs.goto("/admin/users/new");
  await noJs.getByLabel("Full name").fill(added.name);
  await noJs.getByLabel("Email").fill(added.email);
  await noJs.getByRole("textbox", { name: "Password", exact: true }).fill("short");
  await noJs.getByLabel("Password again").fill("short");
  await noJs.getByRole("button", { name: "Add user" }).click();
  await expect(noJs.getByRole("alert").first()).toBeVisible();
  await expect(noJs.getByLabel("Full name")).toHaveValue(added.name);
  await noJs.getByRole("textbox", { name: "Password", exact: true }).fill(added.password);
  await noJs.getByLabel("Password again").fill(added.password);
  await noJs.getByRole("button", { name: "Add user" }).click();
  await expect(noJs.getByRole("heading", { level: 1, name: added.name })).toBeVisible();
  await expect(noJs.getByRole("status")).toHaveText("Saved.");
  await plain.close();
  const login = await request.post("/api/auth/login/", { data: { email: added.email, password: added.password } });
  expect(login.status()).toBe(200);
});
