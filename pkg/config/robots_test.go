package config

import (
	"strings"
	"testing"
)

func TestRobotsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	c.SetRobot("deploys", StorageFile)
	c.SetRobot("alerts", StorageKeyring)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c, err = Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if names := c.RobotNames(); strings.Join(names, ",") != "alerts,deploys" || c.Robots["deploys"].SecretStorage != StorageFile {
		t.Fatalf("%v %+v", names, c.Robots)
	}
	if RobotAccount("alerts") != "webhook:alerts" {
		t.Fatal(RobotAccount("alerts"))
	}
	if err := ValidRobotName("bad name"); err == nil || !strings.Contains(err.Error(), "invalid robot name") {
		t.Fatal(err)
	}
	if ValidRobotName("ci-alerts.1") != nil {
		t.Fatal("valid name refused")
	}
}
