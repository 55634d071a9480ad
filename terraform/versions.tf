terraform {
  # 1.6: the oldest release this stack is written for (validation, optional attributes).
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.28: aws_lambda_function.response_streaming_invoke_arn and
      # aws_api_gateway_integration.response_transfer_mode, which the A2A streams need.
      version = ">= 6.28"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4"
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
