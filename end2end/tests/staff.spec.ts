import { expect, test, type Page } from "@playwright/test";
import {
  apiCreateDoctor,
  apiUser,
  bearer,
  hydrated,
  screenshot,
  watchForErrors,
  type ApiUser,
} from "./helpers";

// What staff see day to day: the start page and dashboard, finding a patient from anywhere,
// lists of more than one page, filters, a doctor's creator changing it, error pages with a
// way back, and the phone-sized layout. Data is set up through the REST API (quicker than
// forms); everything checked is what the browser shows.

/** Signs in through the sign-in page as a user made through the REST API. */
async function signInAs(page: Page, user: ApiUser) {
  await page.goto("/signin");
  await hydrated(page);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Welcome, ${user.name}` })).toBeVisible();
}

async function apiCreatePatient(page: Page, user: ApiUser, fields: Record<string, string>) {
  const created = await page.request.post("/api/patients/", { headers: bearer(user), data: fields });
  expect(created.status(), await created.text()).toBe(201);
  return ((await created.json()) as { patient: { id: number } }).patient.id;
}

test("signed out, the start page leads to signing in", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("link", { name: "Sign in" }).first()).toBeVisible();
  await page.locator("main").getByRole("link", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  // Nothing asks why: the visitor came of their own accord.
  await expect(page.locator(".alert-info")).toHaveCount(0);
});

test("the dashboard counts the user's records and lists the patients changed most recently", async ({ page }, info) => {
  const problems = watchForErrors(page);
  const user = await apiUser(page.request, "dash");
  const first = await apiCreatePatient(page, user, { name: "Dana First", email: "dana@example.com" });
  const second = await apiCreatePatient(page, user, { name: "Evan Second", phone_number: "+4915123456789" });
  await apiCreatePatient(page, user, { name: "Fay Third" });
  const doctor = await apiCreateDoctor(page.request, user, `Dash Doctor ${Date.now()}`);
  const mapped = await page.request.post("/api/mappings/", {
    headers: bearer(user),
    data: { patient: first, doctor, notes: "Yearly check" },
  });
  expect(mapped.status()).toBe(201);
  // Changing the first patient makes it the most recent.
  const changed = await page.request.patch(`/api/patients/${first}/`, {
    headers: bearer(user),
    data: { address: "1 Main Street" },
  });
  expect(changed.status()).toBe(200);
  // Another user's records count for nothing here.
  const other = await apiUser(page.request, "dash-other");
  await apiCreatePatient(page, other, { name: "Not Mine" });

  await signInAs(page, user);
  const totals = page.getByRole("list", { name: "Totals" });
  await expect(totals.getByRole("link", { name: /patients/ }).locator("[data-count]")).toHaveText("3");
  await expect(totals.getByRole("link", { name: /assignment/ }).locator("[data-count]")).toHaveText("1");
  await expect(totals.getByRole("link", { name: /assignment/ })).toHaveAccessibleName("1 assignment");
  const doctors = Number(await totals.getByRole("link", { name: /doctor/ }).locator("[data-count]").textContent());
  expect(doctors).toBeGreaterThanOrEqual(1);

  const recent = page.locator("ul.recent li");
  await expect(recent).toHaveCount(3);
  await expect(recent.nth(0)).toContainText("Dana First");
  await expect(recent.nth(0)).toContainText("changed");
  await expect(recent.nth(1)).toContainText("Fay Third");
  await expect(recent.nth(1)).toContainText("added");
  await expect(page.getByText("Not Mine")).toHaveCount(0);
  await screenshot(page, info, "dashboard");

  // The header finds a patient by phone number from any page.
  await page.goto("/doctors");
  await page.getByRole("searchbox", { name: "Find a patient" }).fill("+4915123456789");
  await page.getByRole("searchbox", { name: "Find a patient" }).press("Enter");
  await expect(page).toHaveURL(/\/patients\?search=/);
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Evan Second");
  await rows.first().getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/patients/${second}$`));
  // The assignment's notes show where the doctors are listed.
  await page.goto(`/patients/${first}`);
  await expect(page.locator(".doctor-list")).toContainText("Yearly check");
  await page.goto("/assignments");
  await expect(page.locator("tbody tr").first()).toContainText("Yearly check");
  await expect(page.locator(".pagination")).toContainText("1 assignment");
  await expect(page.locator(".pagination")).not.toContainText("1 assignments");
  expect(problems).toEqual([]);
});

test("the navigation marks the current section", async ({ page }) => {
  const user = await apiUser(page.request, "nav");
  await signInAs(page, user);
  const nav = page.getByRole("navigation", { name: "Main" });
  await page.goto("/doctors");
  await expect(nav.getByRole("link", { name: "Doctors" })).toHaveAttribute("aria-current", "page");
  await expect(nav.getByRole("link", { name: "Patients" })).not.toHaveAttribute("aria-current", /.*/);
  await page.goto("/patients/new");
  await expect(nav.getByRole("link", { name: "Patients" })).toHaveAttribute("aria-current", "page");
});

test("a list of more than one page is paged with Previous and Next", async ({ page }) => {
  const user = await apiUser(page.request, "pages");
  for (let i = 1; i <= 23; i++) {
    await apiCreatePatient(page, user, { name: `Paged Patient ${String(i).padStart(2, "0")}` });
  }
  await signInAs(page, user);
  await page.goto("/patients?ordering=name");
  await expect(page.locator("tbody tr")).toHaveCount(20);
  await expect(page.locator(".pagination")).toContainText("Page 1 of 2 · 23 patients");
  await expect(page.getByRole("link", { name: "Previous" })).toHaveCount(0);
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/page=2/);
  // The ordering is kept across pages.
  await expect(page).toHaveURL(/ordering=name/);
  await expect(page.locator("tbody tr")).toHaveCount(3);
  await expect(page.locator("tbody tr").first()).toContainText("Paged Patient 21");
  await expect(page.locator(".pagination")).toContainText("Page 2 of 2");
  await page.getByRole("link", { name: "Previous" }).click();
  await expect(page.locator("tbody tr").first()).toContainText("Paged Patient 01");
});

test("the doctor list filters by specialization and availability", async ({ page }) => {
  const user = await apiUser(page.request, "filters");
  const tag = `Spec${Date.now()}`;
  const available = await apiCreateDoctor(page.request, user, `Avail ${tag}`, `${tag} Neurology`);
  const busy = await apiCreateDoctor(page.request, user, `Busy ${tag}`, `${tag} Neurology`);
  await apiCreateDoctor(page.request, user, `Other ${tag}`, `${tag} Oncology`);
  const off = await page.request.patch(`/api/doctors/${busy}/`, { headers: bearer(user), data: { is_available: false } });
  expect(off.status()).toBe(200);

  await signInAs(page, user);
  await page.goto("/doctors");
  await page.getByLabel("Specialization").fill(`${tag} neurology`);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.locator("tbody tr")).toHaveCount(2);
  await expect(page.locator("tbody")).not.toContainText(`Other ${tag}`);

  await page.getByLabel("Availability").selectOption("false");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await expect(page.locator("tbody tr").first()).toContainText(`Busy ${tag}`);
  // The form shows the filters it applied.
  await expect(page.getByLabel("Availability")).toHaveValue("false");
  await expect(page.getByLabel("Specialization")).toHaveValue(`${tag} neurology`);

  await page.getByLabel("Availability").selectOption("true");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await expect(page.locator("tbody tr").first().getByRole("link")).toHaveAttribute("href", `/doctors/${available}`);

  // The Apply button lines up with the fields beside it.
  const field = await page.getByLabel("Availability").boundingBox();
  const button = await page.getByRole("button", { name: "Apply" }).boundingBox();
  expect(Math.abs(field!.y + field!.height - (button!.y + button!.height))).toBeLessThanOrEqual(1);
});

test("the user who added a doctor edits and deletes it in the browser", async ({ page }) => {
  const problems = watchForErrors(page);
  const user = await apiUser(page.request, "creator");
  const name = `Mine ${Date.now()}`;
  const doctor = await apiCreateDoctor(page.request, user, name);
  await signInAs(page, user);
  await page.goto(`/doctors/${doctor}`);
  await page.getByRole("link", { name: "Edit" }).click();
  await hydrated(page);
  await page.getByLabel("Specialization").fill("Pediatrics");
  await page.getByLabel("Years of experience").fill("12");
  await page.getByRole("button", { name: "Save doctor" }).click();
  await expect(page.getByRole("status")).toHaveText("Changes saved.");
  await expect(page.locator(".details")).toContainText("Pediatrics");
  await expect(page.locator(".details")).toContainText("12");

  await page.getByRole("link", { name: "Delete" }).click();
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Delete Dr. ${name}?`);
  await page.getByRole("button", { name: "Delete doctor" }).click();
  await expect(page).toHaveURL(/\/doctors\?notice=deleted/);
  await expect(page.getByText(name)).toHaveCount(0);
  const gone = await page.request.get(`/api/doctors/${doctor}/`, { headers: bearer(user) });
  expect(gone.status()).toBe(404);
  expect(problems).toEqual([]);
});

test("error pages give the reason and a way back; sign-in says why it was asked for", async ({ page }) => {
  const owner = await apiUser(page.request, "owner");
  const doctor = await apiCreateDoctor(page.request, owner, `Theirs ${Date.now()}`);
  const user = await apiUser(page.request, "visitor");

  await page.goto("/assignments");
  await expect(page).toHaveURL(/\/signin\?next=/);
  await expect(page.getByRole("status")).toContainText("Please sign in to see that page");
  await signInAs(page, user);

  const refused = await page.goto(`/doctors/${doctor}/edit`);
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Not allowed");
  await expect(page.locator("main")).toContainText("Only the user who added this doctor, or an administrator");
  await page.getByRole("link", { name: "← All doctors" }).click();
  await expect(page).toHaveURL(/\/doctors$/);

  const missing = await page.goto("/patients/999999999");
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Not found");
  await expect(page.getByRole("link", { name: "← All patients" })).toHaveAttribute("href", "/patients");
  await expect(page.locator("main").getByRole("link", { name: "Start page" })).toHaveAttribute("href", "/");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("assigning and unassigning a doctor and deleting a patient work with plain form posts", async ({ page }) => {
    const user = await apiUser(page.request, "nojs-assign");
    const name = `Plain ${Date.now()}`;
    await apiCreateDoctor(page.request, user, name);
    const patient = await apiCreatePatient(page, user, { name: "Olga Offline" });

    await page.goto("/signin");
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Welcome, ${user.name}` })).toBeVisible();

    await page.goto(`/patients/${patient}`);
    await page.getByLabel("Notes").fill("Referred by GP");
    await page.getByRole("combobox", { name: "Doctor", exact: true }).selectOption({ label: `Dr. ${name} — Cardiologist` });
    await page.getByRole("button", { name: "Assign doctor" }).click();
    await expect(page.getByRole("status")).toHaveText("Doctor assigned.");
    await expect(page.locator(".doctor-list")).toContainText(`Dr. ${name}`);
    await expect(page.locator(".doctor-list")).toContainText("Referred by GP");

    await page.getByRole("button", { name: `Unassign Dr. ${name}` }).click();
    await expect(page.getByRole("status")).toHaveText("Doctor unassigned.");
    await expect(page.locator(".doctor-list")).toHaveCount(0);

    await page.getByRole("link", { name: "Delete" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Delete Olga Offline?");
    await expect(page.locator("main")).toContainText("no doctor is assigned");
    await page.getByRole("button", { name: "Delete patient" }).click();
    await expect(page).toHaveURL(/\/patients\?notice=deleted/);
    await expect(page.getByText("Olga Offline")).toHaveCount(0);
  });
});

test.describe("at a phone's width", () => {
  test.use({ viewport: { width: 375, height: 740 } });

  test("the main pages fit the screen; wide tables scroll inside their panel", async ({ page }, info) => {
    const user = await apiUser(page.request, "phone");
    const patient = await apiCreatePatient(page, user, {
      name: "Philippa Phone-Number-Holder",
      email: "philippa.long.address@example.com",
      phone_number: "+447700900123",
      blood_group: "AB-",
    });
    const doctor = await apiCreateDoctor(page.request, user, `Phone Doctor ${Date.now()}`);
    await signInAs(page, user);
    for (const [path, name] of [
      ["/", "dashboard"],
      ["/patients", "patients"],
      [`/patients/${patient}`, "patient"],
      ["/patients/new", "patient-new"],
      ["/doctors", "doctors"],
      [`/doctors/${doctor}`, "doctor"],
      ["/assignments", "assignments"],
    ]) {
      await page.goto(path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} is wider than the screen`).toBeLessThanOrEqual(0);
      await screenshot(page, info, `phone-${name}`);
    }
    // The patients table keeps every column, reachable by scrolling its panel.
    await page.goto("/patients");
    const wrap = page.locator(".table-wrap");
    const scrollable = await wrap.evaluate((el) => el.scrollWidth > el.clientWidth);
    expect(scrollable).toBe(true);
    await expect(page.getByRole("columnheader", { name: "Blood group" })).toBeAttached();
  });
});
