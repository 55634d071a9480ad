terraform {
  # 1.9: validations that compare one variable with another (variables.tf).
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The A2A streams need aws_api_gateway_integration.response_transfer_mode
      # (6.25) and aws_lambda_function.response_streaming_invoke_arn (6.28); below
      # 7.0, whose breaking changes this stack has not been checked against.
      version = "~> 6.28"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      application = var.name
      managed-by  = "terraform"
    }
  }
}
