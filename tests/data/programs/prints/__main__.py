import pulumi
import pulumi_aws as aws

print("PROGRAM OUTPUT: building the stack")
bucket = aws.s3.Bucket("printed")
bucket.arn.apply(lambda arn: print(f"PROGRAM OUTPUT: {arn}"))
pulumi.log.warn("PROGRAM LOG: a warning from the program")
