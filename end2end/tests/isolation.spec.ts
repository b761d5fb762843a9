import { expect, test } from "@playwright/test";
import { createPatient, newSignedInUser, screenshot } from "./helpers";

test("a second user sees none of the first user's patients, even by direct address", async ({ browser }, info) => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  const a = await first.newPage();
  const b = await second.newPage();

  await newSignedInUser(a, "owner");
  const name = `Private Patient ${Math.random().toString(36).slice(2, 7)}`;
  const id = await createPatient(a, { name, email: "private@example.com", blood: "O-" });

  await newSignedInUser(b, "other");
  await b.goto("/patients");
  await expect(b.getByText("No patients match.")).toBeVisible();
  await b.goto(`/patients?search=${encodeURIComponent(name)}`);
  await expect(b.getByRole("link", { name })).toHaveCount(0);

  for (const path of [`/patients/${id}`, `/patients/${id}/edit`, `/patients/${id}/delete`]) {
    const response = await b.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(b.getByRole("heading", { name: "Not found" })).toBeVisible();
    await expect(b.getByText(name)).toHaveCount(0);
  }
  await screenshot(b, info, "other-user-not-found");

  // The owner still has it.
  await a.goto(`/patients/${id}`);
  await expect(a.getByRole("heading", { level: 1, name })).toBeVisible();
  await first.close();
  await second.close();
});

test("a signed-out visit to a protected page goes to sign-in and back", async ({ page }) => {
  const response = await page.goto("/doctors?search=x");
  expect(response?.url()).toContain("/signin?next=");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});
