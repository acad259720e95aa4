// The physical limit for (d) and (f) polls: a plain JS process that GETs every URL (conditionally
// when given validators) with the poller's concurrency and parses each 200 body with rss-parser.
// No database, no normalizing, no storing. Usage: node poll-bare.mjs <job.json> (see fetch-job.mjs)
import Parser from 'rss-parser';
import { fetchJob, readJob } from './fetch-job.mjs';

const counts = await fetchJob(readJob(process.argv[2]), async (text) => (await new Parser().parseString(text)).items.length);
console.log(JSON.stringify(counts));
