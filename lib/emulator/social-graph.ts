/**
 * Who follows whom, and since when. Built once, on first use, because most runs never touch the social endpoints.
 * Every follow time is unique across the whole graph, so a "followed on or before" time cursor never has to
 * split two follows made in the same second.
 */
import { Rng } from './random';

/** One follow seen from one side: the other account and the Unix second the follow happened. */
export interface FollowEdge {
  readonly user: number;
  readonly time: number;
}

export interface FollowGraph {
  /** Per account: its followers, newest follow first. */
  readonly followers: readonly (readonly FollowEdge[])[];
  /** Per account: the accounts it follows, newest follow first. */
  readonly following: readonly (readonly FollowEdge[])[];
}

export interface FollowGraphInput {
  readonly rng: Rng;
  readonly users: number;
  /** Verified accounts draw ten times the followers. */
  readonly verified: (user: number) => boolean;
  /** Follows happen uniformly in [from, to) (Unix seconds). */
  readonly from: number;
  readonly to: number;
}

/** Draw every account's followers, then give each follow a unique time. */
export function buildFollowGraph({ rng, users, verified, from, to }: FollowGraphInput): FollowGraph {
  const followed: number[] = [];
  const follower: number[] = [];
  const times: number[] = [];
  for (let user = 0; user < users; user += 1) {
    // Log-normal follower counts: most accounts have a few dozen, a handful have hundreds.
    const wanted = Math.exp(Math.log(12) + 1.2 * rng.normal()) * (verified(user) ? 10 : 1);
    const count = Math.min(users - 1, Math.floor(wanted));
    const fans = new Set<number>();
    while (fans.size < count) {
      const fan = rng.int(users);
      if (fan !== user) fans.add(fan);
    }
    for (const fan of fans) {
      followed.push(user);
      follower.push(fan);
      times.push(from + rng.int(to - from));
    }
  }
  const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
  const followers: FollowEdge[][] = Array.from({ length: users }, () => []);
  const following: FollowEdge[][] = Array.from({ length: users }, () => []);
  let previous = -Infinity;
  for (const i of order) {
    const time = Math.max(times[i]!, previous + 1);
    previous = time;
    followers[followed[i]!]!.push({ user: follower[i]!, time });
    following[follower[i]!]!.push({ user: followed[i]!, time });
  }
  for (const list of [...followers, ...following]) list.reverse();
  return { followers, following };
}
