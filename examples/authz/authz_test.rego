package authz

test_sre_reads_production {
	allow with input as {"user": {"role": "sre"}, "resource": {"environment": "production"}, "action": "read"}
}

test_developer_is_denied {
	not allow with input as {"user": {"role": "dev"}, "resource": {"environment": "production"}, "action": "read"}
}

test_staging_is_denied {
	not allow with input as {"user": {"role": "sre"}, "resource": {"environment": "staging"}, "action": "read"}
}

test_write_is_denied {
	not allow with input as {"user": {"role": "sre"}, "resource": {"environment": "production"}, "action": "write"}
}
