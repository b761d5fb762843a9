import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { createDoctor, createPatient, hydrated, newSignedInUser, screenshot } from "./helpers";

// Every page, scanned with axe-core: no serious or critical violations.
test("every page passes an axe-core scan without serious or critical violations", async ({ page }, info) => {
  test.setTimeout(90_000);
  // Hydration problems show up in the console: an island that cannot hydrate logs there.
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on("console", (message) => {
    // The not-found page itself answers 404, and the browser says so.
    const expected = page.url().endsWith("/no/such/page") && message.text().includes("404");
    if ((message.type() === "error" || message.type() === "warning") && !expected) {
      problems.push(`${page.url()}: ${message.text()}`);
    }
  });
  const scan = async (path: string, name: string) => {
    await page.goto(path);
    await hydrated(page);
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`), path).toEqual([]);
    await screenshot(page, info, name);
  };

  await scan("/", "home");
  await scan("/signup", "sign-up");
  await scan("/signin", "sign-in");
  await scan("/no/such/page", "not-found");

  await newSignedInUser(page, "axe");
  const patient = await createPatient(page, { name: "Axe Patient", email: "axe@example.com", blood: "AB+" });
  const doctor = await createDoctor(page, `Axe Doctor ${Date.now()}`);
  await scan("/", "dashboard");
  await scan("/patients", "patients");
  await scan("/patients/new", "patient-new");
  await scan(`/patients/${patient}`, "patient-detail");
  await scan(`/patients/${patient}/edit`, "patient-edit");
  await scan(`/patients/${patient}/delete`, "patient-delete");
  await scan("/doctors", "doctors");
  await scan("/doctors/new", "doctor-new");
  await scan(`/doctors/${doctor}`, "doctor-detail");
  await scan(`/doctors/${doctor}/edit`, "doctor-edit");
  await scan(`/doctors/${doctor}/delete`, "doctor-delete");
  await scan("/assignments", "assignments");
  await scan("/account", "account");
  expect(problems).toEqual([]);
});

test("the layout works on a tablet in portrait", async ({ page }, info) => {
  await page.setViewportSize({ width: 768, height: 1024 });
  await newSignedInUser(page, "tablet");
  await createPatient(page, { name: "Tablet Patient" });
  await page.goto("/patients");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow).toBe(false);
  await screenshot(page, info, "patients-tablet");
});
