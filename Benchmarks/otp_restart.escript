#!/usr/bin/env escript
%%! -noinput
%% Erlang/OTP reference for `castellan bench supervision`: restart latency of a one_for_one
%% supervisor with one gen_server worker, measured the same way: the worker crashes (an
%% exception leaves its callback) until its replacement answers a request.
%%
%% usage: escript Benchmarks/otp_restart.escript [Restarts]   (default 2000)
%% prints one JSON line: {"otp_release":..,"restarts":..,"restart_p50_us":..,"restart_p99_us":..}
-module(otp_restart).
-mode(compile).
-behaviour(supervisor).
-export([main/1, init/1, start_worker/1, handle_call/3, handle_cast/2]).

main(Args) ->
    N = case Args of [A | _] -> list_to_integer(A); [] -> 2000 end,
    %% Crash reports would be formatted and printed for every crash: the Swift bench logs nothing either.
    logger:set_primary_config(level, none),
    {ok, Sup} = supervisor:start_link(?MODULE, {sup, N, self()}),
    receive {started, _} -> ok end,
    unlink(Sup),
    ok = gen_server:call(bench_worker, ping),
    _Warmup = [one_restart() || _ <- lists:seq(1, 100)],
    Samples = lists:sort([one_restart() || _ <- lists:seq(1, N)]),
    P50 = percentile(Samples, 0.50),
    P99 = percentile(Samples, 0.99),
    io:format("{\"otp_release\":\"~s\",\"restarts\":~b,\"restart_p50_us\":~.2f,\"restart_p99_us\":~.2f}~n",
              [erlang:system_info(otp_release), N, P50, P99]),
    exit(Sup, shutdown).

%% Crash the worker, then wait until a new instance answers: nanoseconds -> microseconds.
one_restart() ->
    Old = whereis(bench_worker),
    T0 = erlang:monotonic_time(nanosecond),
    gen_server:cast(Old, crash),
    New = receive {started, Pid} when Pid =/= Old -> Pid end,
    ok = gen_server:call(New, ping),
    T1 = erlang:monotonic_time(nanosecond),
    (T1 - T0) / 1000.

percentile(Sorted, F) ->
    Index = min(length(Sorted), max(1, ceil(F * (length(Sorted) - 1)) + 1)),
    lists:nth(Index, Sorted).

%% init/1 serves both behaviours (an escript holds one module): the supervisor's, with an
%% intensity high enough never to give up during the run, and the worker's, which tells the
%% bench process it is up (no polling).
init({sup, N, Bench}) ->
    {ok, {#{strategy => one_for_one, intensity => N * 2 + 1000, period => 1},
          [#{id => worker, start => {?MODULE, start_worker, [Bench]}, restart => permanent,
             shutdown => 1000, type => worker}]}};
init({worker, Bench}) ->
    Bench ! {started, self()},
    {ok, state}.

start_worker(Bench) -> gen_server:start_link({local, bench_worker}, ?MODULE, {worker, Bench}, []).

%% gen_server callbacks.
handle_call(ping, _From, S) -> {reply, ok, S}.
handle_cast(crash, _S) -> erlang:error(crash).
