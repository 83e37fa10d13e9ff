# BOOT_ALLOCATE_MB=N: boot allocates and touches N MB and keeps it, so a test
# can make a release that a lower memory limit OOM-kills while it starts.
if (mb = Integer(ENV.fetch("BOOT_ALLOCATE_MB", 0))).positive?
  $boot_ballast = Array.new(mb) { "x" * (1024 * 1024) }
end
