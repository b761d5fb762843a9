import { expect, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import { execFileSync } from "node:child_process";

export const PASSWORD = "SecurePass123!";

/** A fresh, unique identity, so specs can run in parallel and in any order. */
export function newUser(label = "staff") {
  const id = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return { name: `Test ${label} ${id.slice(-4)}`, email: `${label}-${id}@example.com`, password: PASSWORD };
}

export type User = ReturnType<typeof newUser>;

/**
 * Waits until the WASM client has hydrated every island on the page (its forms and the status
 * check). The rest of a page is plain HTML from the server, with nothing to wait for.
 */
export async function hydrated(page: Page) {
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll("leptos-island")).every((island) =>
      island.querySelector("[data-hydrated='true']"),
    ),
  );
}

export async function signUp(page: Page, user: User) {
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Full name").fill(user.name);
  await page.getByLabel("Email").fill(user.email);
  await page.getByRole("textbox", { name: "Password", exact: true }).fill(user.password);
  await page.getByLabel("Repeat the password").fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByRole("status")).toContainText("account has been created");
}

export async function signIn(page: Page, user: User) {
  if (!page.url().includes("/signin")) await page.goto("/signin");
  await hydrated(page);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Staff land on their dashboard.
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1, name: `Welcome, ${user.name}` })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText(user.name);
}

/** Signs up and signs in a new user. */
export async function newSignedInUser(page: Page, label = "staff") {
  const user = newUser(label);
  await signUp(page, user);
  await signIn(page, user);
  return user;
}

export type PatientFields = {
  name: string;
  email?: string;
  phone?: string;
  dob?: string;
  blood?: string;
  address?: string;
  history?: string;
};

export async function fillPatient(page: Page, p: PatientFields) {
  await page.getByLabel("Full name").fill(p.name);
  if (p.email !== undefined) await page.getByLabel("Email").fill(p.email);
  if (p.phone !== undefined) await page.getByLabel("Phone number").fill(p.phone);
  if (p.dob !== undefined) await page.getByLabel("Date of birth").fill(p.dob);
  if (p.blood !== undefined) await page.getByLabel("Blood group").selectOption(p.blood);
  if (p.address !== undefined) await page.getByLabel("Address").fill(p.address);
  if (p.history !== undefined) await page.getByLabel("Medical history").fill(p.history);
}

export async function createPatient(page: Page, p: PatientFields) {
  await page.goto("/patients/new");
  await hydrated(page);
  await fillPatient(page, p);
  await page.getByRole("button", { name: "Save patient" }).click();
  await expect(page.getByRole("heading", { level: 1, name: p.name })).toBeVisible();
  return Number(new URL(page.url()).pathname.split("/")[2]);
}

export async function createDoctor(page: Page, name: string, specialization = "Cardiologist") {
  const id = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  await page.goto("/doctors/new");
  await hydrated(page);
  await page.getByLabel("Full name").fill(name);
  await page.getByLabel("Email").fill(`dr-${id}@hospital.example`);
  await page.getByLabel("Phone number").fill("+1122334455");
  await page.getByLabel("Specialization").fill(specialization);
  await page.getByLabel("Qualification").fill("MBBS, MD");
  await page.getByLabel("Years of experience").fill("10");
  await page.getByLabel("License number").fill(`MED-${id}`);
  await page.getByLabel("Consultation fee").fill("150");
  await page.getByRole("button", { name: "Save doctor" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Dr. ${name}` })).toBeVisible();
  return Number(new URL(page.url()).pathname.split("/")[2]);
}

/** Saves a full-page screenshot among the test's results. */
export async function screenshot(page: Page, info: TestInfo, name: string) {
  await page.screenshot({ path: info.outputPath(`${name}.png`), fullPage: true });
}

/**
 * The database of the server under test, when the test command provides it (scripts/test.sh
 * does). Without it, nothing can be changed behind the server's back: specs that need it skip.
 */
export const E2E_DATABASE_URL = process.env.E2E_DATABASE_URL;
export const NO_DATABASE_REASON =
  "E2E_DATABASE_URL is not set: making an administrator needs the server's database (scripts/test.sh sets it)";

/**
 * Makes the user with this email an administrator, directly in the server's database (no page
 * or command does this yet). Needs `psql` on PATH and E2E_DATABASE_URL.
 */
export function makeAdmin(email: string) {
  if (!E2E_DATABASE_URL) throw new Error(NO_DATABASE_REASON);
  const quoted = email.replaceAll("'", "''");
  const ids = execFileSync(
    "psql",
    [
      E2E_DATABASE_URL,
      "-qtAX",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      `update users set is_admin = true where lower(email) = lower('${quoted}') returning id`,
    ],
    { encoding: "utf8" },
  ).trim();
  if (!/^\d+$/.test(ids)) throw new Error(`makeAdmin(${email}): expected one user, psql printed ${JSON.stringify(ids)}`);
}

/** A new user registered and signed in through the REST API, with its access token. */
export async function apiUser(request: APIRequestContext, label = "api") {
  const user = newUser(label);
  const registered = await request.post("/api/auth/register/", {
    data: { name: user.name, email: user.email, password: user.password, password2: user.password },
  });
  expect(registered.status(), await registered.text()).toBe(201);
  const login = await request.post("/api/auth/login/", { data: { email: user.email, password: user.password } });
  expect(login.status(), await login.text()).toBe(200);
  const { access } = (await login.json()) as { access: string };
  return { ...user, token: access };
}

export type ApiUser = Awaited<ReturnType<typeof apiUser>>;

/** The headers that make a REST request as this user. */
export function bearer(user: ApiUser) {
  return { Authorization: `Bearer ${user.token}` };
}

/** Adds a doctor through the REST API as this user (the doctor's creator); returns its id. */
export async function apiCreateDoctor(
  request: APIRequestContext,
  user: ApiUser,
  name: string,
  specialization = "Cardiologist",
) {
  const id = `${Date.now()}${Math.floor(Math.random() * 100000)}`;
  const created = await request.post("/api/doctors/", {
    headers: bearer(user),
    data: { name, email: `dr-${id}@hospital.example`, specialization, license_number: `MED-${id}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { doctor } = (await created.json()) as { doctor: { id: number } };
  return doctor.id;
}

/**
 * Collects what goes wrong while a page is used: any response of status 500 or more (pages,
 * server functions, assets), any uncaught error in the page (a panicking island) and any
 * error in the console. Assert at the end that the list is empty.
 *
 * One console line is not a problem: Chromium itself logs "Failed to load resource: the
 * server responded with a status of 400" for every 4xx answer to a request, and a form
 * mistake is answered with its 4xx on purpose (as the REST API does). No page code logs it,
 * and no page can stop the browser from doing so.
 */
export function watchForErrors(page: Page) {
  const problems: string[] = [];
  page.on("response", (response) => {
    if (response.status() >= 500) {
      problems.push(`${response.request().method()} ${response.url()}: ${response.status()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    if (/^Failed to load resource: the server responded with a status of 4\d\d /.test(message.text())) return;
    problems.push(`${page.url()}: console: ${message.text()}`);
  });
  return problems;
}
