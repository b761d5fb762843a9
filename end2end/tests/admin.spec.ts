import { expect, test } from "@playwright/test";
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

// Who may change a doctor: its creator or an administrator. The pages and the REST API must
// give the same answer. And what an administrator's deactivation does to an open session.
// The first administrators are made directly in the database; the last one with the server's
// own `createsuperuser --no-input`, as the README says.

test("an administrator sees Edit and Delete on another user's doctor, and can change and delete it", async ({
  page,
  request,
}, info) => {
  test.skip(!E2E_DATABASE_URL, NO_DATABASE_REASON);
  const problems = watchForErrors(page);
  const suffix = Math.random().toString(36).slice(2, 7);
  const name = `Admin Target ${suffix}`;
  const creator = await apiUser(request, "creator");
  const doctor = await apiCreateDoctor(request, creator, name, "Cardiologist");
  const other = await apiCreateDoctor(request, creator, `Admin Rest ${suffix}`, "Cardiologist");

  const admin = await apiUser(request, "admin");
  makeAdmin(admin.email);
  await signIn(page, admin);

  await page.goto(`/doctors/${doctor}`);
  await expect(page.getByRole("heading", { level: 1, name: `Dr. ${name}` })).toBeVisible();
  await expect(page.getByRole("link", { name: "Edit", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Delete", exact: true })).toBeVisible();
  await screenshot(page, info, "admin-doctor-detail");

  // Change the specialization through the form.
  const specialization = `Neurologist ${suffix}`;
  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Edit Dr. ${name}` })).toBeVisible();
  await hydrated(page);
  await expect(page.getByLabel("Specialization")).toHaveValue("Cardiologist");
  await page.getByLabel("Specialization").fill(specialization);
  await page.getByRole("button", { name: "Save doctor" }).click();
  await expect(page).toHaveURL(new RegExp(`/doctors/${doctor}\\?notice=updated$`));
  await expect(page.getByRole("heading", { level: 1, name: `Dr. ${name}` })).toBeVisible();
  await expect(page.getByRole("status")).toHaveText("Changes saved.");
  await expect(page.getByText(specialization, { exact: true })).toBeVisible();
  await expect(page.getByText("Cardiologist", { exact: true })).toHaveCount(0);

  // The REST API gives the administrator the same answer, on another of the creator's doctors.
  const patched = await request.patch(`/api/doctors/${other}/`, {
    headers: bearer(admin),
    data: { specialization: "Dermatologist" },
  });
  expect(patched.status(), await patched.text()).toBe(200);
  expect(((await patched.json()) as { doctor: { specialization: string } }).doctor.specialization).toBe(
    "Dermatologist",
  );

  // Delete it, after confirming.
  await page.getByRole("link", { name: "Delete", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Delete Dr. ${name}?` })).toBeVisible();
  await screenshot(page, info, "admin-doctor-delete");
  await page.getByRole("button", { name: "Delete doctor" }).click();
  await expect(page).toHaveURL(/\/doctors\?notice=deleted$/);
  await expect(page.getByRole("status")).toHaveText("Deleted.");
  await expect(page.getByRole("link", { name: `Dr. ${name}` })).toHaveCount(0);
  await page.goto(`/doctors?search=${encodeURIComponent(name)}`);
  await expect(page.getByText("No doctors match.")).toBeVisible();
  const gone = await request.get(`/api/doctors/${doctor}/`, { headers: bearer(creator) });
  expect(gone.status()).toBe(404);

  expect(problems).toEqual([]);
});

test("a user who neither added a doctor nor is an administrator sees no Edit or Delete, and the REST API refuses them", async ({
  page,
  request,
}, info) => {
  const problems = watchForErrors(page);
  const suffix = Math.random().toString(36).slice(2, 7);
  const name = `Guarded Doctor ${suffix}`;
  const creator = await apiUser(request, "creator");
  const doctor = await apiCreateDoctor(request, creator, name, "Cardiologist");

  const plain = await apiUser(request, "plain");
  await signIn(page, plain);
  await page.goto(`/doctors/${doctor}`);
  await expect(page.getByRole("heading", { level: 1, name: `Dr. ${name}` })).toBeVisible();
  await expect(page.getByText("Cardiologist", { exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Edit", exact: true })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Delete", exact: true })).toHaveCount(0);
  await screenshot(page, info, "plain-user-doctor-detail");

  // Typing the addresses does not help either.
  for (const path of [`/doctors/${doctor}/edit`, `/doctors/${doctor}/delete`]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
    await expect(page.getByRole("button", { name: /Save doctor|Delete doctor/ })).toHaveCount(0);
  }

  // The REST API answers the same.
  const patched = await request.patch(`/api/doctors/${doctor}/`, {
    headers: bearer(plain),
    data: { specialization: "Dermatologist" },
  });
  expect(patched.status(), await patched.text()).toBe(403);
  const deleted = await request.delete(`/api/doctors/${doctor}/`, { headers: bearer(plain) });
  expect(deleted.status(), await deleted.text()).toBe(403);
  const unchanged = await request.get(`/api/doctors/${doctor}/`, { headers: bearer(creator) });
  expect(unchanged.status()).toBe(200);
  expect(((await unchanged.json()) as { doctor: { specialization: string } }).doctor.specialization).toBe(
    "Cardiologist",
  );

  expect(problems).toEqual([]);
});

test("an administrator made with createsuperuser deactivates a user, whose open session is refused at once", async ({
  page,
  request,
}, info) => {
  test.skip(!E2E_DATABASE_URL, NO_DATABASE_REASON);
  // The administrator, as the README says to make one: the server's own command.
  const admin = newUser("superuser");
  const created = spawnSync(
    "../target/debug/server",
    ["createsuperuser", "--no-input", "--name", admin.name, "--email", admin.email],
    {
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: E2E_DATABASE_URL, CAREBASE_SUPERUSER_PASSWORD: admin.password, RUST_LOG: "error" },
    },
  );
  expect(created.status, `${created.stdout}${created.stderr}`).toBe(0);
  expect(created.stdout).toContain("Superuser created successfully");
  const login = await request.post("/api/auth/login/", { data: { email: admin.email, password: admin.password } });
  expect(login.status()).toBe(200);
  const { access } = (await login.json()) as { access: string };

  // A member of staff signed in in the browser.
  const problems = watchForErrors(page);
  const staff = newUser("deactivated");
  await signUp(page, staff);
  await signIn(page, staff);
  await page.goto("/patients");
  await expect(page.getByRole("heading", { level: 1, name: "Patients" })).toBeVisible();

  const found = await request.get(`/api/admin/users/?search=${encodeURIComponent(staff.email)}`, {
    headers: { Authorization: `Bearer ${access}` },
  });
  expect(found.status()).toBe(200);
  const { users } = (await found.json()) as { users: { id: number }[] };
  expect(users).toHaveLength(1);
  const off = await request.patch(`/api/admin/users/${users[0].id}/`, {
    headers: { Authorization: `Bearer ${access}` },
    data: { is_active: false },
  });
  expect(off.status(), await off.text()).toBe(200);

  // The next page the member opens sends them to sign in; signing in is refused.
  await expect(async () => {
    await page.goto("/patients");
    await expect(page).toHaveURL(/\/signin\?next=/, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await hydrated(page);
  await page.getByLabel("Email").fill(staff.email);
  await page.getByLabel("Password").fill(staff.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("The email or password is not right.");
  await screenshot(page, info, "deactivated-sign-in");
  expect(problems).toEqual([]);
});
