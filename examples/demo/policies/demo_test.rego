package demo_test

import rego.v1

sre := {"user": {"role": "sre"}, "subject": {"mfa": true},
	"resource": {"environment": "production"}, "action": "read"}

test_sre_reads_production if data.authz.allow with input as sre

test_dev_is_refused_in_production if {
	not data.authz.allow with input as object.union(sre, {"user": {"role": "dev"}})
}

test_dev_may_use_staging if {
	data.staging.allow with input as {"user": {"role": "dev"}}
}

test_auditor_is_refused_in_staging if {
	not data.staging.allow with input as {"user": {"role": "auditor"}}
}

test_admin_needs_a_grant if {
	not data.admin.allow with input as {"user": {"role": "sre"}, "grants": []}
	data.admin.allow with input as {"grants": [{"entitlement": "echo-admin"}]}
}
