package admin

import rego.v1

# The admin pages: nobody holds standing access. A person asks for the echo-admin entitlement
# at the gateway's access page, an approver (alice, of the platform group) approves it, and the grant lets them in
# until it ends. A refusal tells the person what to ask for.
default allow := false

allow if {
	some g in input.grants
	g.entitlement == "echo-admin"
}

decision := {"allow": allow, "obligations": {"request_access": "echo-admin"}}
