package authz
default allow = false
allow {
input.user.role == "sre"
input.resource.environment == "production"
input.action == "read"
}
