// Creates the bed's S3 bucket in MinIO if it is missing (used by servers.sh).
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

const bucket = process.argv[2];
const s3 = new S3Client({
  endpoint: process.env.ULTRON_S3_ENDPOINT,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: process.env.ULTRON_S3_ACCESS_KEY, secretAccessKey: process.env.ULTRON_S3_SECRET_KEY },
});
try {
  await s3.send(new HeadBucketCommand({ Bucket: bucket }));
} catch {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}
