import { expect, test } from "@playwright/test";
import { hydrated, newSignedInUser, newUser, screenshot, signIn, signUp, watchForErrors } from "./helpers";

test("validation messages appear beside the fields and keep what was typed", async ({ page }, info) => {
  await newSignedInUser(page, "validate");
  await page.goto("/patients/new");
  await hydrated(page);
  await page.getByLabel("Full name").fill("Bob Brown");
  await page.getByLabel("Email").fill("bob@localhost");
  await page.getByLabel("Phone number").fill("12345");
  await page.getByLabel("Date of birth").fill("2999-01-01");
  // The form is an island: it calls the server function and shows the answer in place. A marker
  // on window survives only if the page does not reload.
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
  const problems = watchForErrors(page);
  const saved = page.waitForResponse((r) => r.url().includes("/rpc/save_patient"));
  await page.getByRole("button", { name: "Save patient" }).click();
  // A mistake is the client's: 400, as from the REST API, never a server error.
  expect((await saved).status()).toBe(400);

  await expect(page.getByRole("alert")).toContainText("Please correct the fields marked below.");
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7);
  await expect(page.locator("#field-email-error")).toHaveText("Enter a valid email address.");
  await expect(page.locator("#field-phone_number-error")).toContainText("international form");
  await expect(page.locator("#field-date_of_birth-error")).toHaveText("Date of birth cannot be in the future.");
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Full name")).toHaveValue("Bob Brown");
  await expect(page.getByLabel("Email")).toHaveValue("bob@localhost");
  expect(problems).toEqual([]);
  await screenshot(page, info, "patient-form-errors");
});

test("a weak password and a wrong sign-in are explained in words", async ({ page }) => {
  await page.goto("/signup");
  await hydrated(page);
  await page.getByLabel("Full name").fill("Weak Walter");
  await page.getByLabel("Email").fill(newUser("weak").email);
  await page.getByRole("textbox", { name: "Password", exact: true }).fill("password");
  await page.getByLabel("Repeat the password").fill("different");
  const problems = watchForErrors(page);
  const signedUp = page.waitForResponse((r) => r.url().includes("/rpc/sign_up"));
  await page.getByRole("button", { name: "Create account" }).click();
  expect((await signedUp).status()).toBe(400);
  await expect(page.locator("#field-password-error")).toContainText("This password is too common.");
  await expect(page.locator("#field-password2-error")).toHaveText("Password fields didn't match.");
  await expect(page.getByLabel("Full name")).toHaveValue("Weak Walter");

  await page.goto("/signin");
  await hydrated(page);
  await page.getByLabel("Email").fill("nobody@example.com");
  await page.getByLabel("Password").fill("Whatever123!");
  const signedIn = page.waitForResponse((r) => r.url().includes("/rpc/sign_in"));
  await page.getByRole("button", { name: "Sign in" }).click();
  expect((await signedIn).status()).toBe(401);
  await expect(page.getByRole("alert")).toHaveText("The email or password is not right.");
  expect(problems).toEqual([]);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("signing up, signing in and creating a patient work with plain form posts", async ({ page }, info) => {
    const user = newUser("nojs");
    await page.goto("/signup");
    await page.getByLabel("Full name").fill(user.name);
    await page.getByLabel("Email").fill(user.email);
    await page.getByRole("textbox", { name: "Password", exact: true }).fill(user.password);
    await page.getByLabel("Repeat the password").fill(user.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("status")).toContainText("account has been created");

    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { level: 1, name: `Welcome, ${user.name}` })).toBeVisible();

    // A mistake first: the page comes back with the message and what was typed.
    await page.goto("/patients/new");
    await page.getByLabel("Full name").fill("Nora Nojs");
    await page.getByLabel("Phone number").fill("555");
    await page.getByLabel("Medical history").fill("Asthma.");
    await page.getByRole("button", { name: "Save patient" }).click();
    await expect(page.locator("#field-phone_number-error")).toContainText("international form");
    await expect(page.getByLabel("Full name")).toHaveValue("Nora Nojs");
    await expect(page.getByLabel("Medical history")).toHaveValue("Asthma.");
    await screenshot(page, info, "nojs-patient-errors");

    await page.getByLabel("Phone number").fill("+441234567890");
    await page.getByLabel("Blood group").selectOption("B+");
    await page.getByRole("button", { name: "Save patient" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Nora Nojs" })).toBeVisible();
    await expect(page.getByRole("status")).toHaveText("Saved.");
    await expect(page.getByText("+441234567890")).toBeVisible();
  });
});

test("an existing account signs in and is sent back where it started", async ({ page }) => {
  const user = newUser("back");
  await signUp(page, user);
  await page.goto("/assignments");
  await expect(page).toHaveURL(/\/signin\?next=%2Fassignments|\/signin\?next=\/assignments/);
  await hydrated(page);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/assignments$/);
  await expect(page.getByRole("heading", { name: "Assignments" })).toBeVisible();
  void signIn;
});
