import time

import pulumi_aws as aws

aws.s3.Bucket("never-finished")
time.sleep(4)  # longer than the tests' --program-timeout 1; a hung program still occupies its thread until it returns
