import { expect, test } from "@playwright/test";
import { createDoctor, fillPatient, hydrated, newUser, screenshot, signIn, signUp } from "./helpers";

// The specification's eleven-step "Test Order", done through the browser as a person would.
test("the specification's test order, through the browser", async ({ page }, info) => {
  const user = newUser("order");
  const suffix = Math.random().toString(36).slice(2, 7);
  const patient = `Alice Smith ${suffix}`;
  const doctor = `Sarah Williams ${suffix}`;

  // 1. Register
  await signUp(page, user);
  await screenshot(page, info, "01-registered-sign-in");
  // 2. Sign in
  await signIn(page, user);

  // 3. Create a patient
  await page.getByRole("link", { name: "Add patient" }).click();
  await hydrated(page);
  await fillPatient(page, {
    name: patient,
    email: `alice-${suffix}@example.com`,
    phone: "+1234567890",
    dob: "1990-05-15",
    blood: "A+",
    address: "123 Main St, New York, NY 10001",
    history: "No known allergies.",
  });
  await screenshot(page, info, "03-new-patient-form");
  await page.getByRole("button", { name: "Save patient" }).click();
  await expect(page.getByRole("heading", { level: 1, name: patient })).toBeVisible();
  await expect(page.getByRole("status")).toHaveText("Saved.");
  await screenshot(page, info, "03-patient-created");

  // 4. See it listed
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Patients" }).click();
  await expect(page.getByRole("link", { name: patient })).toBeVisible();
  await screenshot(page, info, "04-patients-list");

  // 5. Create a doctor
  await createDoctor(page, doctor);
  await expect(page.getByText("Cardiologist")).toBeVisible();
  await expect(page.getByText("150.00")).toBeVisible();
  await screenshot(page, info, "05-doctor-created");

  // 6. See it listed
  await page.goto(`/doctors?search=${suffix}`);
  await expect(page.getByRole("link", { name: `Dr. ${doctor}` })).toBeVisible();
  await screenshot(page, info, "06-doctors-list");

  // 7. Assign the doctor to the patient
  await page.goto(`/patients?search=${suffix}`);
  await page.getByRole("link", { name: patient }).click();
  await hydrated(page);
  await page.getByRole("combobox", { name: "Doctor", exact: true }).selectOption({ label: `Dr. ${doctor} — Cardiologist` });
  await page.getByLabel("Notes").fill("Primary cardiologist");
  await page.getByRole("button", { name: "Assign doctor" }).click();
  await expect(page.getByRole("status")).toHaveText("Doctor assigned.");

  // 8. See the patient's doctors
  const doctors = page.getByRole("region", { name: /Doctors \(1\)/ });
  await expect(doctors.getByRole("link", { name: `Dr. ${doctor}` })).toBeVisible();
  await screenshot(page, info, "08-patient-with-doctor");
  await page.getByRole("link", { name: "Assignments" }).click();
  await expect(page.getByRole("row").filter({ hasText: patient })).toContainText(doctor);
  await screenshot(page, info, "08-assignments");
  await page.getByRole("row").filter({ hasText: patient }).getByRole("link", { name: patient }).click();

  // 9. Update the patient
  await page.getByRole("link", { name: "Edit" }).click();
  await hydrated(page);
  await page.getByLabel("Address").fill("456 New Address, Brooklyn, NY 11201");
  await screenshot(page, info, "09-edit-patient");
  await page.getByRole("button", { name: "Save patient" }).click();
  await expect(page.getByRole("status")).toHaveText("Changes saved.");
  await expect(page.getByText("456 New Address, Brooklyn, NY 11201")).toBeVisible();

  // 10. Unassign the doctor
  await page.getByRole("button", { name: `Unassign Dr. ${doctor}` }).click();
  await expect(page.getByRole("status")).toHaveText("Doctor unassigned.");
  await expect(page.getByRole("region", { name: /Doctors \(0\)/ })).toContainText("No doctor is assigned");

  // 11. Delete the patient, after confirming
  await page.getByRole("link", { name: "Delete" }).click();
  await expect(page.getByRole("heading", { name: `Delete ${patient}?` })).toBeVisible();
  await screenshot(page, info, "11-delete-confirmation");
  await page.getByRole("button", { name: "Delete patient" }).click();
  await expect(page).toHaveURL(/\/patients\?notice=deleted/);
  await expect(page.getByRole("status")).toHaveText("Deleted.");
  await expect(page.getByRole("link", { name: patient })).toHaveCount(0);

  // Signing out ends the session.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: user.name }).click();
  await screenshot(page, info, "12-account");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await page.goto("/patients");
  await expect(page).toHaveURL(/\/signin\?next=/);
});
