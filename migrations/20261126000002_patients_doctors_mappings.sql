-- Trigram indexes back the `?search=` substring matches of the list endpoints.
create extension if not exists pg_trgm;

-- Patients belong to the user who created them; no one else can see them.
create table patients (
    id              bigint generated always as identity primary key,
    name            text        not null,
    email           text        not null default '',
    phone_number    text        not null default '',
    address         text        not null default '',
    date_of_birth   date,
    blood_group     text        not null default '',
    medical_history text        not null default '',
    created_by      bigint      not null
        constraint patients_created_by_fkey references users (id) on delete cascade,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint patients_name_not_blank check (length(btrim(name)) > 0),
    constraint patients_blood_group_check
        check (blood_group in ('', 'A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-'))
);

-- A patient's email is unique among the owner's patients (blank is allowed many times).
create unique index patients_owner_email_key on patients (created_by, lower(email)) where email <> '';
-- The default list order, and the other orderings, always scoped to the owner.
create index patients_owner_created_idx on patients (created_by, created_at desc, id desc);
create index patients_owner_name_idx on patients (created_by, lower(name), id);
create index patients_owner_dob_idx on patients (created_by, date_of_birth, id);
create index patients_owner_blood_group_idx on patients (created_by, blood_group);
create index patients_search_idx on patients
    using gin ((name || ' ' || email || ' ' || phone_number) gin_trgm_ops);

-- Doctors are a shared directory; only their creator (or an admin) may change one.
create table doctors (
    id               bigint generated always as identity primary key,
    name             text          not null,
    email            text          not null,
    phone_number     text          not null default '',
    specialization   text          not null,
    qualification    text          not null default '',
    experience_years integer       not null default 0,
    license_number   text          not null,
    clinic_address   text          not null default '',
    consultation_fee numeric(10, 2) not null default 0,
    is_available     boolean       not null default true,
    created_by       bigint
        constraint doctors_created_by_fkey references users (id) on delete set null,
    created_at       timestamptz   not null default now(),
    updated_at       timestamptz   not null default now(),
    constraint doctors_name_not_blank check (length(btrim(name)) > 0),
    constraint doctors_experience_years_check check (experience_years between 0 and 80),
    constraint doctors_consultation_fee_check check (consultation_fee >= 0)
);

create unique index doctors_email_key on doctors (lower(email));
create unique index doctors_license_number_key on doctors (lower(license_number));
create index doctors_name_idx on doctors (lower(name), id);
create index doctors_specialization_idx on doctors (lower(specialization), id);
create index doctors_available_idx on doctors (is_available, lower(name), id);
create index doctors_experience_idx on doctors (experience_years, id);
create index doctors_fee_idx on doctors (consultation_fee, id);
create index doctors_created_idx on doctors (created_at desc, id desc);
create index doctors_search_idx on doctors
    using gin ((name || ' ' || email || ' ' || specialization || ' ' || qualification) gin_trgm_ops);

-- Which doctor looks after which patient. Removing either side removes the assignment.
create table patient_doctor_mappings (
    id            bigint generated always as identity primary key,
    patient_id    bigint      not null
        constraint mappings_patient_id_fkey references patients (id) on delete cascade,
    doctor_id     bigint      not null
        constraint mappings_doctor_id_fkey references doctors (id) on delete cascade,
    assigned_by   bigint
        constraint mappings_assigned_by_fkey references users (id) on delete set null,
    assigned_date timestamptz not null default now(),
    notes         text        not null default '',
    is_active     boolean     not null default true,
    constraint mappings_patient_doctor_key unique (patient_id, doctor_id)
);

create index mappings_doctor_id_idx on patient_doctor_mappings (doctor_id);
create index mappings_assigned_date_idx on patient_doctor_mappings (assigned_date desc, id desc);
