import { expect, type Page, type TestInfo } from "@playwright/test";

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
  await expect(page).toHaveURL(/\/patients/);
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
