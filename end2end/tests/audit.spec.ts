import { expect, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { apiUser, bearer, createPatient, newSignedInUser, screenshot, watchForErrors } from "./helpers";

// The audit trail as a clinic meets it: the owner of a record opens it and sees, under
// "Access history", who viewed and changed it, including another user's refused attempt;
// `/api/audit/` says the same, as JSON and as a FHIR R4 Bundle that a validator accepts.

test("a patient's access history shows each read, change and refused attempt", async ({ page }, info) => {
  test.setTimeout(120_000);
  const problems = watchForErrors(page);
  const owner = await newSignedInUser(page, "audit");
  const id = await createPatient(page, { name: "Hal Audited", email: `hal-${Date.now()}@example.com` });

  // A change through the REST API, with the browser's own session (the cookie).
  const changed = await page.request.patch(`/api/patients/${id}/`, { data: { phone_number: "+4915123456789" } });
  expect(changed.status(), await changed.text()).toBe(200);
  const requestId = changed.headers()["x-request-id"];
  expect(requestId).toMatch(/^[0-9a-f]{32}$/);

  // Another user tries the record: 404, as if it did not exist.
  const other = await apiUser(page.request, "snoop");
  const refused = await page.request.get(`/api/patients/${id}/`, { headers: bearer(other) });
  expect(refused.status()).toBe(404);

  await page.goto(`/patients/${id}`);
  const history = page.getByRole("region", { name: "Access history" });
  await expect(history).toBeVisible();
  const rows = history.locator("tbody tr");
  // Newest first: this visit's read (and its doctors), the refusal, the change, the first
  // views after saving, the creation.
  await expect(rows.filter({ hasText: other.email })).toHaveCount(1);
  await expect(rows.filter({ hasText: other.email })).toContainText("viewed the record");
  await expect(rows.filter({ hasText: other.email })).toContainText("denied");
  await expect(rows.filter({ hasText: "changed phone_number" })).toContainText(owner.email);
  await expect(rows.filter({ hasText: "added the record" })).toContainText("success");
  await screenshot(page, info, "access-history");

  // The same events through the REST API, filtered to the refused attempt.
  const denied = await page.request.get(`/api/audit/?patient=${id}&outcome=denied`);
  expect(denied.status()).toBe(200);
  const body = (await denied.json()) as { count: number; results: { actor_email: string; action: string }[] };
  expect(body.count).toBe(1);
  expect(body.results[0]).toMatchObject({ actor_email: other.email, action: "patient.read" });
  const update = await page.request.get(`/api/audit/?patient=${id}&action=patient.update`);
  const updates = (await update.json()) as { results: { request_id: string; detail: unknown }[] };
  expect(updates.results[0].request_id).toBe(requestId);
  expect(updates.results[0].detail).toEqual({ fields: ["phone_number"] });

  // As FHIR: a searchset Bundle of AuditEvents, checked by an R4 validator.
  const fhir = await page.request.get(`/api/audit/?patient=${id}`, { headers: { Accept: "application/fhir+json" } });
  expect(fhir.status()).toBe(200);
  expect(fhir.headers()["content-type"]).toBe("application/fhir+json");
  const bundle = (await fhir.json()) as { resourceType: string; type: string; entry: unknown[] };
  expect(bundle).toMatchObject({ resourceType: "Bundle", type: "searchset" });
  expect(bundle.entry.length).toBeGreaterThanOrEqual(5);
  const file = info.outputPath("audit-bundle.fhir.json");
  writeFileSync(file, JSON.stringify(bundle));
  const checked = execFileSync(resolve(__dirname, "../../scripts/fhir-r4-check.sh"), [file], { encoding: "utf8" });
  expect(checked).toContain("valid FHIR R4 (4.0.1) searchset Bundle");

  expect(problems).toEqual([]);
});
