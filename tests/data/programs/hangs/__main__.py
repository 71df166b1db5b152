import time

import pulumi_aws as aws

aws.s3.Bucket("never-finished")
time.sleep(20)
