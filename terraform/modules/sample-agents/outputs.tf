output "agent_urls" {
  description = "Each sample agent's own base URL (its function URL); callers use the gateway's /agents/<id>/ instead."
  value       = local.agent_urls
}
