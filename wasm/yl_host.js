// Emscripten --js-library: the JS side of waiting in the JS event loop (src/host.c;
// what a program sees is in src/yl_host.h). While the program's root coroutine waits,
// ONE wake-up is armed; when it fires it calls the exported C function yl__host_wake(),
// which resumes the root. Arming again replaces the wake-up (a counter drops one that
// fires after it was replaced). The wake-up is
//   - a setTimeout chain for a delay: steps of at most 2^31-1 ms (setTimeout fires a
//     longer delay at once), each step checking the clock the C loop reads
//     (emscripten_get_now), so that it never ends before the deadline;
//   - a zero-delay macrotask for a delay of 0: setImmediate in Node, a MessageChannel
//     message in browsers (setTimeout(0) costs 1 ms in Node and 4 ms in browsers once
//     nested). In browsers a timer's wake-up also goes through a message, so that the
//     setTimeout the resumed program arms next is not nested in a timer task (the
//     4 ms clamp applies from the fifth nested timer on);
//   - nothing, for an infinite delay: only arming again ends that wait.
// A runtime keepalive is held while a wake-up is armed, so that Emscripten does not
// exit the program between two wake-ups (another of its callbacks ending while the
// root waits would otherwise exit it). It is dropped as the wake-up fires, and by
// exit(), replaced below: Emscripten's exit() does not exit while a keepalive is held,
// and C code that JS calls while the root waits must still be able to end the program.
// (Emscripten turns each function into source text: state lives in $ylHost.)
//
// The page (wasm/yieldloop.mjs) may also hold the program: Module.ylHostPause(true)
// defers a wake-up that fires until ylHostPause(false), and Module.ylHostStop()
// cancels the wake-up for good, so that a run it abandons never resumes.
mergeInto(LibraryManager.library, {
  $ylHost: {
    armed: 0, // counts armings: a wake-up fires only if it is still the latest one
    timer: null, // the pending setTimeout, if any
    immediate: null, // Node's pending setImmediate, if any
    channel: null, // browsers: the MessageChannel of zero-delay wake-ups
    held: false, // whether a runtime keepalive is held for the wake-up
    paused: false, // ylHostPause(true): wake-ups wait
    deferred: null, // the id of a wake-up that fired while paused
    stopped: false, // ylHostStop(): nothing resumes the program any more
  },

  // Cancels the wake-up armed, if any (a message already posted is dropped at arrival).
  $ylHostCancel__deps: ['$ylHost'],
  $ylHostCancel: function() {
    ylHost.armed++;
    if (ylHost.timer !== null) clearTimeout(ylHost.timer);
    if (ylHost.immediate !== null) clearImmediate(ylHost.immediate);
    ylHost.timer = ylHost.immediate = null;
  },

  // Drops the runtime keepalive held for the wake-up, if one is.
  $ylHostUnhold__deps: ['$ylHost', '$runtimeKeepalivePop'],
  $ylHostUnhold: function() {
    if (ylHost.held) {
      ylHost.held = false;
      runtimeKeepalivePop();
    }
  },

  // Wake-up number `id` fires: resumes the root unless it was replaced meanwhile.
  $ylHostFire__deps: ['$ylHost', '$ylHostUnhold', '$callUserCallback'],
  $ylHostFire: function(id) {
    if (id !== ylHost.armed || ylHost.stopped) return;
    if (ylHost.paused) {
      ylHost.deferred = id;
      return;
    }
    ylHost.armed++;
    ylHost.timer = ylHost.immediate = null;
    ylHostUnhold();
    callUserCallback(function() {
      _yl__host_wake();
    });
  },

  // Fires wake-up `id` from a zero-delay macrotask.
  $ylHostPost__deps: ['$ylHost', '$ylHostFire'],
  $ylHostPost: function(id) {
    if (typeof setImmediate == 'function') {
      ylHost.immediate = setImmediate(ylHostFire, id);
      return;
    }
    if (!ylHost.channel) {
      ylHost.channel = new MessageChannel();
      ylHost.channel.port1.onmessage = function(e) {
        ylHostFire(e.data);
      };
    }
    ylHost.channel.port2.postMessage(id);
  },

  // Arms the wake-up in `ms` milliseconds (0: a zero-delay macrotask; Infinity: none),
  // replacing the one armed before.
  yl__host_js_arm__sig: 'vd',
  yl__host_js_arm__deps: ['$ylHost', '$ylHostCancel', '$ylHostFire', '$ylHostPost',
                          '$ylHostUnhold', '$runtimeKeepalivePush', 'emscripten_get_now'],
  // The page's controls (above), set on the module wherever the host is linked in.
  yl__host_js_arm__postset:
    "Module['ylHostPause'] = function(on) {" +
    "  ylHost.paused = on;" +
    "  var id = ylHost.deferred;" +
    "  ylHost.deferred = null;" +
    "  if (!on && id !== null) ylHostFire(id);" +
    "};" +
    "Module['ylHostStop'] = function() {" +
    "  ylHost.stopped = true;" +
    "  ylHostCancel();" +
    "  ylHostUnhold();" +
    "};",

  yl__host_js_arm: function(ms) {
    ylHostCancel();
    if (!ylHost.held) {
      ylHost.held = true;
      runtimeKeepalivePush();
    }
    var id = ylHost.armed;
    if (!(ms < Infinity)) return;
    if (!(ms > 0)) {
      ylHostPost(id);
      return;
    }
    var due = _emscripten_get_now() + ms;
    var step = function() {
      ylHost.timer = null;
      var left = due - _emscripten_get_now();
      if (left > 0) {
        ylHost.timer = setTimeout(step, Math.min(Math.ceil(left), 0x7fffffff));
      } else if (typeof setImmediate == 'function') {
        ylHostFire(id); // Node clamps no nested timer
      } else {
        ylHostPost(id);
      }
    };
    step();
  },

  // C's exit(), as Emscripten's library has it, after cancelling the wake-up and its
  // keepalive: the program ends (and Node is not kept alive by a pending timer).
  exit__sig: 'vi',
  exit__deps: ['$ylHostCancel', '$ylHostUnhold'],
  exit: function(status) {
    ylHostCancel();
    ylHostUnhold();
    exit(status);
  },
});
